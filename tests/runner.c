/* runner.c - main() for every test program; see runner.h. */
#include "runner.h"

#include <CUnit/Basic.h>

int lsim_test_add_suite(const char *name, const struct lsim_test_case *tests)
{
  CU_pSuite suite = CU_add_suite(name, NULL, NULL);

  if (suite == NULL)
    return -1;
  for (; tests->name != NULL; tests++)
    if (CU_add_test(suite, tests->name, tests->fn) == NULL)
      return -1;
  return 0;
}

int main(void)
{
  unsigned failures;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  if (lsim_test_register() != 0) {
    fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 2;
  }

  CU_basic_set_mode(CU_BRM_NORMAL);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  return failures == 0 ? 0 : 1;
}
