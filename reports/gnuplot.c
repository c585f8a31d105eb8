/*
 * gnuplot.c - see gnuplot.h.
 *
 * gnuplot runs in the results directory so that the scripts can use the
 * same relative paths a user's `cd DIR && gnuplot plots/x.gp` does; that
 * needs a chdir in the child, hence fork and exec rather than posix_spawn
 * (whose chdir action is not POSIX). The arguments go to execv as an
 * array: no shell ever sees a path. Everything the child needs is opened
 * before the fork, so the child makes only async-signal-safe calls.
 */
#include "gnuplot.h"
#include "report.h"
#include "rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where execvp looks when PATH is unset. */
#define DEFAULT_PATH "/bin:/usr/bin"

/* candidate as an absolute path, in a new string: the child changes
 * directory, where a relative path would miss. */
static char *absolute_path(const char *candidate)
{
  char cwd[PATH_MAX], *path;

  if (candidate[0] == '/')
    return strdup(candidate);
  if (getcwd(cwd, sizeof cwd) == NULL)
    return NULL;
  path = malloc(strlen(cwd) + strlen(candidate) + 2);
  if (path != NULL)
    sprintf(path, "%s/%s", cwd, candidate);
  return path;
}

/* Whether dir (len bytes, "" meaning the working directory) holds an
 * executable regular file "gnuplot"; if so its absolute path. */
static char *try_dir(const char *dir, size_t len)
{
  char candidate[PATH_MAX];
  struct stat st;

  if (len + sizeof "/gnuplot" > sizeof candidate)
    return NULL;
  snprintf(candidate, sizeof candidate, "%.*s/gnuplot", (int)len,
           len > 0 ? dir : ".");
  if (stat(candidate, &st) != 0 || !S_ISREG(st.st_mode) ||
      access(candidate, X_OK) != 0)
    return NULL;
  return absolute_path(candidate);
}

char *lsim_gnuplot_find(void)
{
  const char *path = getenv("PATH"), *end;
  char *found = NULL;

  if (path == NULL)
    path = DEFAULT_PATH;
  while (found == NULL) {
    end = strchr(path, ':');
    if (end == NULL)
      end = path + strlen(path);
    found = try_dir(path, (size_t)(end - path));
    if (*end == '\0')
      break;
    path = end + 1;
  }
  return found;
}

/* In the child: never returns. */
static void exec_child(const char *gnuplot, const char *dir, const char *script,
                       int in, int out)
{
  char *argv[3] = {(char *)"gnuplot", (char *)script, NULL};

  if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
      dup2(out, STDERR_FILENO) < 0 || chdir(dir) != 0)
    _exit(126);
  execv(gnuplot, argv);
  _exit(127);
}

/* Waits for pid; its exit status, or -1 when it did not exit normally. */
static int wait_exit(pid_t pid)
{
  int status;

  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The message for a run that failed with exit status `status`. */
static int run_failed(const char *dir, const char *script, const char *log,
                      int status, char *err, size_t errlen)
{
  char *path = lsim_rfile_join(dir, script);
  int rc = lsim_rfile_fail(
      err, errlen, LSIM_REPORT_EGNUPLOT, "%s: gnuplot failed (%s %d); see %s",
      path != NULL ? path : script,
      status >= 0 ? "exit status" : "signal or error", status, log);

  free(path);
  return rc;
}

int lsim_gnuplot_run(const char *gnuplot, const char *dir, const char *script,
                     const char *log, char *err, size_t errlen)
{
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int e = errno, status = -1;
  pid_t pid = -1;

  if (in >= 0 && out >= 0) {
    pid = fork();
    e = errno;
  }
  if (pid == 0)
    exec_child(gnuplot, dir, script, in, out);
  if (pid > 0)
    status = wait_exit(pid);
  if (in >= 0)
    close(in);
  if (out >= 0)
    close(out);

  if (in < 0 || out < 0)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_EIO, "%s: cannot open: %s",
                           out < 0 ? log : "/dev/null", strerror(e));
  if (pid < 0)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_EGNUPLOT,
                           "cannot start gnuplot: %s", strerror(e));
  if (status != 0)
    return run_failed(dir, script, log, status, err, errlen);
  return 0;
}
