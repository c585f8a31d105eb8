/*
 * runner.h - the shared main() of limsim's CUnit test programs.
 *
 * Each tests/test_<module>.c defines lsim_test_register(), which adds its
 * suites to the CUnit registry. runner.c runs them with the basic runner
 * and exits non-zero when any assertion failed.
 */
#ifndef LIMSIM_TEST_RUNNER_H
#define LIMSIM_TEST_RUNNER_H

#include <CUnit/CUnit.h>
#include <stdio.h>

/* Adds this program's suites; returns 0 or a CUnit error. */
int lsim_test_register(void);

/* Adds suite `name` with the NULL-terminated tests; returns 0 or -1. */
struct lsim_test_case {
  const char *name;
  void (*fn)(void);
};
int lsim_test_add_suite(const char *name, const struct lsim_test_case *tests);

/* CU_ASSERT_EQUAL that also prints both values when it fails. */
#define LSIM_ASSERT_EQ_INT(actual, expected)                                 \
  do {                                                                       \
    long long a_ = (long long)(actual), e_ = (long long)(expected);          \
    if (a_ != e_)                                                            \
      fprintf(stderr, "\n  %s:%d: %s is %lld, expected %lld\n", __FILE__,    \
              __LINE__, #actual, a_, e_);                                    \
    CU_ASSERT(a_ == e_);                                                     \
  } while (0)

#define LSIM_ASSERT_NEAR(actual, expected, tol)                              \
  do {                                                                       \
    double a_ = (actual), e_ = (expected), t_ = (tol);                       \
    if (!(a_ >= e_ - t_ && a_ <= e_ + t_))                                   \
      fprintf(stderr, "\n  %s:%d: %s is %g, expected %g +- %g\n", __FILE__, \
              __LINE__, #actual, a_, e_, t_);                                \
    CU_ASSERT(a_ >= e_ - t_ && a_ <= e_ + t_);                               \
  } while (0)

#endif
