/*
 * csv_file.h - what the CSV fuzz targets share: the CSV readers take a
 * path, so each input is written to one temporary file per process.
 */
#ifndef LIMSIM_FUZZ_CSV_FILE_H
#define LIMSIM_FUZZ_CSV_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to the process's temporary CSV file, created on the first
 * call and removed at exit, and returns its path; aborts on failure (the
 * harness, not the code under test, is broken then). */
const char *fuzz_csv_write(const uint8_t *data, size_t size);

#endif
