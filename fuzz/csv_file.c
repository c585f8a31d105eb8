/* csv_file.c - the temporary file of the CSV fuzz targets; see
 * csv_file.h. */
#include "csv_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A fuzz harness is one process running one input at a time: a file-scope
 * path is the simplest correct thing here. */
static char csv_path[] = "/tmp/limsim-fuzz-XXXXXX";
static int csv_fd = -1;

static void remove_csv(void)
{
  unlink(csv_path);
}

const char *fuzz_csv_write(const uint8_t *data, size_t size)
{
  if (csv_fd < 0) {
    csv_fd = mkstemp(csv_path);
    if (csv_fd < 0)
      abort();
    atexit(remove_csv);
  }

  if (ftruncate(csv_fd, 0) != 0 ||
      pwrite(csv_fd, data, size, 0) != (ssize_t)size)
    abort();
  return csv_path;
}
