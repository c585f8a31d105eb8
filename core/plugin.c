/*
 * plugin.c - policies loaded from shared objects (lsim_policy_load).
 *
 * A plugin is never closed: the limiters made from it hold pointers to its
 * functions and strings, and nothing tracks when the last one is freed.
 */
#include "limsim.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int load_error(int code, char *errbuf, size_t errlen, const char *fmt,
                      ...)
{
  va_list ap;

  if (errbuf != NULL && errlen > 0) {
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* dlerror() starts with the path we passed ("x.so: cannot open ..."),
 * which our own message already names. */
static const char *dl_reason(const char *opened)
{
  const char *msg = dlerror();
  size_t n = strlen(opened);

  if (msg == NULL)
    return "unknown error";
  if (strncmp(msg, opened, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
    return msg + n + 2;
  return msg;
}

/* dlopen() searches the library path for a name without a slash; a
 * plugin named on the command line is a file, so make it one. */
static const char *as_file(const char *path, char *buf, size_t len)
{
  if (strchr(path, '/') != NULL)
    return path;
  if ((size_t)snprintf(buf, len, "./%s", path) >= len)
    return path;
  return buf;
}

static int check_entry(const char *path, const struct lsim_policy *p,
                       char *errbuf, size_t errlen)
{
  if (p->abi_version != LSIM_POLICY_ABI_VERSION)
    return load_error(LSIM_EABI, errbuf, errlen,
                      "%s: plugin ABI version %u, limsim expects %d", path,
                      (unsigned)p->abi_version, LSIM_POLICY_ABI_VERSION);
  if (p->admit == NULL || p->usage == NULL)
    return load_error(LSIM_EPLUGIN, errbuf, errlen,
                      "%s: plugin policy has no %s hook", path,
                      p->admit == NULL ? "admit" : "usage");
  return 0;
}

int lsim_policy_load(const char *path, const struct lsim_policy **policy,
                     char *errbuf, size_t errlen)
{
  char buf[4096];
  const char *file = as_file(path, buf, sizeof(buf));
  const struct lsim_policy *entry;
  void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  int rc;

  if (handle == NULL)
    return load_error(LSIM_EPLUGIN, errbuf, errlen,
                      "%s: cannot load plugin: %s", path, dl_reason(file));

  entry = dlsym(handle, LSIM_PLUGIN_SYMBOL);
  if (entry == NULL) {
    dlclose(handle);
    return load_error(LSIM_EPLUGIN, errbuf, errlen, "%s: no symbol %s", path,
                      LSIM_PLUGIN_SYMBOL);
  }

  rc = check_entry(path, entry, errbuf, errlen);
  if (rc != 0) {
    dlclose(handle);
    return rc;
  }
  *policy = entry;
  return 0;
}
