/*
 * test_plugin.c - lsim_policy_load(): the example policy, and the exact
 * one-line message for each way a plugin can be wrong.
 *
 * tests/plugins.cmake builds the plugins and passes their paths in as
 * LSIM_PLUGIN_EXAMPLE, LSIM_PLUGIN_BAD_ABI, LSIM_PLUGIN_NO_SYMBOL and
 * LSIM_PLUGIN_NO_USAGE.
 */
#include "limsim.h"
#include "runner.h"

#include <string.h>

#define NEVER LSIM_TIME_NEVER

static const struct lsim_policy *load_example(void)
{
  const struct lsim_policy *p = NULL;
  char err[256] = "";

  LSIM_ASSERT_EQ_INT(
      lsim_policy_load(LSIM_PLUGIN_EXAMPLE, &p, err, sizeof(err)), 0);
  LSIM_ASSERT_EQ_INT(err[0], '\0');
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  return p;
}

static struct lsim_limiter *example_limiter(bool has_usage)
{
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim = NULL;

  lsim_limiter_config_init(&cfg);
  cfg.limit = 3;
  cfg.poll_interval = 50;
  cfg.has_usage = has_usage;
  cfg.policy = load_example();
  LSIM_ASSERT_EQ_INT(lsim_limiter_new(&cfg, 0, &lim), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lim);
  return lim;
}

static int acquire(struct lsim_limiter *lim, lsim_time now, lsim_ticket *t)
{
  return lsim_limiter_acquire(lim, now, NULL, NEVER, t);
}

static struct lsim_limiter_stats stats_of(const struct lsim_limiter *lim)
{
  struct lsim_limiter_stats st;

  lsim_limiter_stats(lim, &st);
  return st;
}

static void test_example_loads(void)
{
  const struct lsim_policy *p = load_example();

  CU_ASSERT_STRING_EQUAL(p->name, "spare-slot");
  LSIM_ASSERT_EQ_INT(p->abi_version, LSIM_POLICY_ABI_VERSION);
  /* Loading twice gives the same, still loaded, object. */
  CU_ASSERT_PTR_EQUAL(load_example(), p);
}

/* limit 3 keeps one slot spare: the third agent waits for a release and
 * then for the hold its arrival started. */
static void test_example_keeps_a_spare(void)
{
  struct lsim_limiter *lim = example_limiter(false);
  lsim_ticket a, b, c;

  CU_ASSERT_STRING_EQUAL(lsim_limiter_policy(lim)->name, "spare-slot");
  LSIM_ASSERT_EQ_INT(acquire(lim, 0, &a), LSIM_GRANTED);
  LSIM_ASSERT_EQ_INT(acquire(lim, 1, &b), LSIM_GRANTED);
  LSIM_ASSERT_EQ_INT(acquire(lim, 2, &c), LSIM_QUEUED);
  LSIM_ASSERT_EQ_INT(stats_of(lim).usable, 1);

  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 10, a), 0);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 52);
  LSIM_ASSERT_EQ_INT(lsim_limiter_advance(lim, 52), 0);
  LSIM_ASSERT_EQ_INT(stats_of(lim).in_use, 2);
  LSIM_ASSERT_EQ_INT(stats_of(lim).queued, 0);
  lsim_limiter_free(lim);
}

/* With a usage source it gates on the provider's count at N - 1. */
static void test_example_gates_on_usage(void)
{
  struct lsim_limiter *lim = example_limiter(true);
  struct lsim_usage busy = {true, 2, 0}, free_slot = {true, 1, 0};
  lsim_ticket a, b, c;

  acquire(lim, 0, &a);
  acquire(lim, 1, &b);
  LSIM_ASSERT_EQ_INT(acquire(lim, 2, &c), LSIM_QUEUED);
  lsim_limiter_release(lim, 10, a);
  lsim_limiter_advance(lim, 52);
  LSIM_ASSERT_EQ_INT(stats_of(lim).polls, 1);

  LSIM_ASSERT_EQ_INT(lsim_limiter_usage(lim, 53, &busy), 0);
  LSIM_ASSERT_EQ_INT(stats_of(lim).queued, 1);
  lsim_limiter_advance(lim, 103);
  LSIM_ASSERT_EQ_INT(stats_of(lim).polls, 2);
  LSIM_ASSERT_EQ_INT(lsim_limiter_usage(lim, 104, &free_slot), 0);
  LSIM_ASSERT_EQ_INT(stats_of(lim).queued, 0);
  LSIM_ASSERT_EQ_INT(stats_of(lim).in_use, 2);
  lsim_limiter_free(lim);
}

/* Loads `path`, expecting failure `code` and exactly `message`. */
static void expect_failure(const char *path, int code, const char *message)
{
  const struct lsim_policy *p = NULL;
  char err[512];

  memset(err, 'x', sizeof(err));
  LSIM_ASSERT_EQ_INT(lsim_policy_load(path, &p, err, sizeof(err)), code);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT_STRING_EQUAL(err, message);
  if (strcmp(err, message) != 0)
    fprintf(stderr, "\n  got:      %s\n  expected: %s\n", err, message);
}

static void test_missing_file(void)
{
  expect_failure("/nonexistent/policy.so", LSIM_EPLUGIN,
                 "/nonexistent/policy.so: cannot load plugin: cannot open "
                 "shared object file: No such file or directory");
}

/* A bare name is a file in the current directory, not a library name. */
static void test_bare_name_is_a_file(void)
{
  expect_failure("libc.so.6", LSIM_EPLUGIN,
                 "libc.so.6: cannot load plugin: cannot open shared object "
                 "file: No such file or directory");
}

static void test_not_a_shared_object(void)
{
  const char *path = LIMSIM_SOURCE_DIR "/tests/test_plugin.c";
  const struct lsim_policy *p = NULL;
  char err[512], prefix[512];

  snprintf(prefix, sizeof(prefix), "%s: cannot load plugin: ", path);
  LSIM_ASSERT_EQ_INT(lsim_policy_load(path, &p, err, sizeof(err)),
                     LSIM_EPLUGIN);
  CU_ASSERT(strncmp(err, prefix, strlen(prefix)) == 0);
  CU_ASSERT(strlen(err) > strlen(prefix));
  CU_ASSERT_PTR_NULL(strchr(err, '\n'));
}

static void test_missing_symbol(void)
{
  expect_failure(LSIM_PLUGIN_NO_SYMBOL, LSIM_EPLUGIN,
                 LSIM_PLUGIN_NO_SYMBOL ": no symbol lsim_policy_entry");
}

static void test_wrong_abi(void)
{
  expect_failure(LSIM_PLUGIN_BAD_ABI, LSIM_EABI,
                 LSIM_PLUGIN_BAD_ABI
                 ": plugin ABI version 7, limsim expects 1");
}

static void test_missing_hook(void)
{
  expect_failure(LSIM_PLUGIN_NO_USAGE, LSIM_EPLUGIN,
                 LSIM_PLUGIN_NO_USAGE ": plugin policy has no usage hook");
}

/* The message is cut to fit, always terminated; no buffer is fine too. */
static void test_small_buffers(void)
{
  const struct lsim_policy *p = NULL;
  char err[8];

  LSIM_ASSERT_EQ_INT(
      lsim_policy_load(LSIM_PLUGIN_BAD_ABI, &p, err, sizeof(err)), LSIM_EABI);
  LSIM_ASSERT_EQ_INT(strlen(err), sizeof(err) - 1);
  LSIM_ASSERT_EQ_INT(lsim_policy_load("/nonexistent.so", &p, NULL, 0),
                     LSIM_EPLUGIN);
  CU_ASSERT_PTR_NULL(p);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"example loads", test_example_loads},
      {"example keeps a spare slot", test_example_keeps_a_spare},
      {"example gates on usage", test_example_gates_on_usage},
      {"missing file", test_missing_file},
      {"bare name is a file", test_bare_name_is_a_file},
      {"not a shared object", test_not_a_shared_object},
      {"missing symbol", test_missing_symbol},
      {"wrong ABI version", test_wrong_abi},
      {"missing hook", test_missing_hook},
      {"small buffers", test_small_buffers},
      {NULL, NULL}};

  return lsim_test_add_suite("plugin", tests);
}
