/*
 * test_reports.c - the reports module: renders the fixture results under
 * tests/data/results/ into temporary directories and checks the files,
 * the report's content and every kind of bad input.
 *
 * gnuplot is a dependency (scripts/deps installs it), so the images are
 * required here; its absence is simulated by pointing PATH at an empty
 * directory, and its failure by a stand-in script that exits non-zero.
 */
#include "report.h"
#include "runner.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURES LIMSIM_SOURCE_DIR "/tests/data/results/"

static const char *const policies[] = {"cooldown", "usage-gate", "headroom"};

static const char *const scripts[] = {"overshoot", "tradeoff", "timeline",
                                      "timeline_detail", "wait_cdf"};

/* ---- helpers: files and directories ---- */

static char *read_text(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *text = NULL;
  long len;

  if (f == NULL)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0) {
    text = malloc((size_t)len + 1);
    if (text != NULL && fread(text, 1, (size_t)len, f) != (size_t)len) {
      free(text);
      text = NULL;
    } else if (text != NULL) {
      text[len] = '\0';
    }
  }
  fclose(f);
  return text;
}

static void write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");

  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  CU_ASSERT(fclose(f) == 0);
}

/* dir/name, in a static buffer of the caller's. */
static const char *in_dir(char *buf, size_t len, const char *dir,
                          const char *name)
{
  snprintf(buf, len, "%s/%s", dir, name);
  return buf;
}

static int exists(const char *dir, const char *name)
{
  char path[512];
  struct stat st;

  return stat(in_dir(path, sizeof path, dir, name), &st) == 0;
}

/* The text of dir/name; the test fails when it cannot be read. */
static char *read_in(const char *dir, const char *name)
{
  char path[512];
  char *text = read_text(in_dir(path, sizeof path, dir, name));

  if (text == NULL)
    fprintf(stderr, "\n  cannot read %s\n", path);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  return text;
}

static void copy_file(const char *from, const char *to)
{
  char *text = read_text(from);

  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  write_text(to, text);
  free(text);
}

/* A new empty directory; the caller removes it with remove_tree(). */
static void make_dir(char *path, size_t len)
{
  snprintf(path, len, "/tmp/limsim-test-reports-XXXXXX");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(path));
}

/* A new directory holding the files of fixture `name`. */
static void make_fixture_dir(char *dir, size_t len, const char *name)
{
  static const char *const files[] = {"results.json", "summary.csv",
                                      "timeline.csv", "wait_cdf.csv"};
  char from[512], to[512];

  make_dir(dir, len);
  for (size_t i = 0; i < 4; i++) {
    snprintf(from, sizeof from, FIXTURES "%s/%s", name, files[i]);
    copy_file(from, in_dir(to, sizeof to, dir, files[i]));
  }
}

static void remove_tree(const char *path)
{
  DIR *d = opendir(path);
  struct dirent *e;
  char child[768];

  if (d != NULL) {
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      remove_tree(in_dir(child, sizeof child, path, e->d_name));
    }
    closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* Whether any file in dir has `part` in its name. */
static int any_name_has(const char *dir, const char *part)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL)
    found |= strstr(e->d_name, part) != NULL;
  closedir(d);
  return found;
}

static size_t count(const char *text, const char *part)
{
  size_t n = 0;

  for (const char *at = strstr(text, part); at != NULL;
       at = strstr(at + 1, part))
    n++;
  return n;
}

#define ASSERT_HAS(text, part)                                                 \
  do {                                                                         \
    if (strstr((text), (part)) == NULL)                                        \
      fprintf(stderr, "\n  %s:%d: missing \"%s\"\n", __FILE__, __LINE__,       \
              (part));                                                         \
    CU_ASSERT(strstr((text), (part)) != NULL);                                 \
  } while (0)

#define ASSERT_LACKS(text, part)                                               \
  do {                                                                         \
    if (strstr((text), (part)) != NULL)                                        \
      fprintf(stderr, "\n  %s:%d: unexpected \"%s\"\n", __FILE__, __LINE__,    \
              (part));                                                         \
    CU_ASSERT(strstr((text), (part)) == NULL);                                 \
  } while (0)

#define ASSERT_STR_EQ(actual, expected)                                        \
  do {                                                                         \
    if (strcmp((actual), (expected)) != 0)                                     \
      fprintf(stderr, "\n  %s:%d: got \"%s\"\n  expected \"%s\"\n", __FILE__,  \
              __LINE__, (actual), (expected));                                 \
    CU_ASSERT_STRING_EQUAL((actual), (expected));                              \
  } while (0)

static void edit_file(const char *dir, const char *name, const char *from,
                      const char *to);

/* Renders dir; returns the result, with the message in err. */
static int render(const char *dir, char *err, size_t errlen, int *missing)
{
  *missing = -1;
  return lsim_report_render(dir, err, errlen, missing);
}

/* Renders a fixture that must succeed with gnuplot present. */
static void render_ok(const char *dir)
{
  char err[1024];
  int missing, rc = render(dir, err, sizeof err, &missing);

  if (rc != 0)
    fprintf(stderr, "\n  render failed: %s\n", err);
  LSIM_ASSERT_EQ_INT(rc, 0);
  LSIM_ASSERT_EQ_INT(missing, 0);
  ASSERT_STR_EQ(err, "");
}

/* ---- a good render ---- */

static void assert_image(const char *dir, const char *stem)
{
  char name[128], *svg;

  snprintf(name, sizeof name, "plots/%s.png", stem);
  char *png = read_in(dir, name);
  CU_ASSERT(memcmp(png, "\x89PNG\r\n", 6) == 0);
  free(png);

  snprintf(name, sizeof name, "plots/%s.svg", stem);
  svg = read_in(dir, name);
  ASSERT_HAS(svg, "<svg");
  ASSERT_HAS(svg, "</svg>");
  free(svg);
}

static void test_render_writes_every_file(void)
{
  char dir[64], name[128];

  make_fixture_dir(dir, sizeof dir, "basic");
  render_ok(dir);

  for (size_t i = 0; i < 5; i++) {
    snprintf(name, sizeof name, "plots/%s.gp", scripts[i]);
    CU_ASSERT(exists(dir, name));
  }
  CU_ASSERT(exists(dir, "plots/summary.dat"));
  assert_image(dir, "overshoot");
  assert_image(dir, "tradeoff");
  for (int p = 0; p < 3; p++) {
    snprintf(name, sizeof name, "timeline_p%d", p);
    assert_image(dir, name);
    snprintf(name, sizeof name, "timeline_detail_p%d", p);
    assert_image(dir, name);
    snprintf(name, sizeof name, "wait_cdf_p%d", p);
    assert_image(dir, name);
    snprintf(name, sizeof name, "plots/timeline_p%d.dat", p);
    CU_ASSERT(exists(dir, name));
    snprintf(name, sizeof name, "plots/overshoot_marks_p%d.dat", p);
    CU_ASSERT(exists(dir, name));
    snprintf(name, sizeof name, "plots/wait_cdf_p%d.dat", p);
    CU_ASSERT(exists(dir, name));
  }
  CU_ASSERT(!exists(dir, "plots/timeline_p3.dat"));
  CU_ASSERT(exists(dir, "report.html"));

  /* Every output went through a temporary file; none may be left. */
  CU_ASSERT(!any_name_has(dir, ".tmp"));
  in_dir(name, sizeof name, dir, "plots");
  CU_ASSERT(!any_name_has(name, ".tmp"));
  remove_tree(dir);
}

static void test_report_html_content(void)
{
  char dir[64], *html;

  make_fixture_dir(dir, sizeof dir, "basic");
  render_ok(dir);
  html = read_in(dir, "report.html");

  for (size_t i = 0; i < 3; i++) {
    char header[64];
    snprintf(header, sizeof header, "<th>%s</th>", policies[i]);
    ASSERT_HAS(html, header);
  }
  /* 2 overview figures and 3 per point, all inline and with own ids. */
  LSIM_ASSERT_EQ_INT(count(html, "<svg "), 11);
  ASSERT_HAS(html, "id='f0-gpPt0'");
  ASSERT_HAS(html, "id='f10-gpPt0'");
  ASSERT_LACKS(html, "id='gpPt0'");
  ASSERT_LACKS(html, "<?xml");

  /* Self-contained: nothing to fetch, nothing to run. */
  ASSERT_LACKS(html, "<script");
  ASSERT_LACKS(html, "<link");
  ASSERT_LACKS(html, " src=");
  ASSERT_LACKS(html, "<img");

  /* Input is escaped: the description carries markup and quotes. */
  ASSERT_HAS(html, "cooldown of 1 s: &lt;b&gt;does&lt;/b&gt; the gate "
                   "&amp; headroom keep &quot;4&quot; in flight?");
  ASSERT_LACKS(html, "<b>does");
  ASSERT_HAS(html, "&quot;release_lag&quot;:");
  ASSERT_HAS(html, "&#39;out/it&#39;\\&#39;&#39;s here&#39;");
  free(html);
  remove_tree(dir);
}

static void test_report_tables_and_verdict(void)
{
  char dir[64], *html;

  make_fixture_dir(dir, sizeof dir, "basic");
  render_ok(dir);
  html = read_in(dir, "report.html");

  /* cooldown, point 0, overshoot_events; then point 2. */
  ASSERT_HAS(html, "<td class=\"num\">3 [2.63, 3.37]</td>");
  ASSERT_HAS(html, "<td class=\"num\">12 [10.6, 13.4]</td>");
  /* A paired difference whose interval excludes zero is bold. */
  ASSERT_HAS(html, "<td class=\"num sig\">-2.8 [-3.23, -2.37]</td>");
  ASSERT_HAS(html, "<td class=\"num\">0 [0, 0]</td>");
  ASSERT_HAS(html, "<th>usage-gate - cooldown</th>");
  ASSERT_HAS(html, "Point 3 of 3: provider.release_lag.mean = 2</h2>");

  ASSERT_HAS(html, "1 of 2 expectations hold.");
  ASSERT_HAS(html, "cooldown&#39;s &lt;at lag 2&gt;</td><td "
                   "class=\"fail\">FAIL</td>");
  ASSERT_HAS(html, "<tr><td>usage-gate overshoot_events &lt; cooldown&#39;s "
                   "at every point</td><td class=\"pass\">PASS</td><td>"
                   "the gate &lt;removes&gt; overshoot</td></tr>");
  ASSERT_HAS(html, "<code>events</code> 123456");
  free(html);
  remove_tree(dir);
}

/* The timeline data is a step function: a change at t repeats the old
 * values at t first. */
static void test_data_files(void)
{
  char dir[64], *dat;

  make_fixture_dir(dir, sizeof dir, "basic");
  render_ok(dir);

  dat = read_in(dir, "plots/timeline_p0.dat");
  ASSERT_HAS(dat, "# index 0: policy cooldown\n0 0 4 0 0 0\n0.2 0 4 0 0 0\n"
                  "0.2 1 4 1 0 0\n");
  ASSERT_HAS(dat, "\n2.3 4 4 4 1 0\n2.4 4 4 4 1 0\n2.4 5 4 4 1 1\n");
  ASSERT_HAS(dat, "\n\n\n# index 2: policy headroom\n0 0 4 0 0 0\n");
  free(dat);

  dat = read_in(dir, "plots/summary.dat");
  ASSERT_HAS(dat, "# column 2: x, provider.release_lag.mean\n");
  ASSERT_HAS(dat, "# index 0: policy cooldown\n0 0.5 \"0.5\" 3 2.63 3.37 ");
  ASSERT_HAS(dat, "\n2 2 \"2\" 12 10.55 13.45 ");
  free(dat);

  dat = read_in(dir, "plots/wait_cdf_p1.dat");
  ASSERT_HAS(dat, "# index 1: policy usage-gate\n0 0.4\n");
  free(dat);

  dat = read_in(dir, "plots/timeline.gp");
  ASSERT_HAS(dat, "cd DIR && gnuplot plots/timeline.gp");
  ASSERT_HAS(dat, "array policy[3] = [ \\\n  'cooldown', \\\n"
                  "  'usage-gate', \\\n  'headroom']\n");
  ASSERT_HAS(dat, "set terminal pngcairo");
  ASSERT_HAS(dat, "set terminal svg");
  /* The highest mark, at 6 above an upstream of 5, and one more. */
  ASSERT_HAS(dat, "set yrange [0:7]\n");
  free(dat);

  dat = read_in(dir, "plots/tradeoff.gp");
  ASSERT_HAS(dat, "(mean and 95% CI; labels: provider.release_lag.mean)'");
  free(dat);
  remove_tree(dir);
}

/* Every rise of the running count is a mark: one above the limit when
 * the start was refused (the upstream stays at 4), one above the upstream
 * line when it was admitted (5); two events at once make one mark. */
static void test_overshoot_marks(void)
{
  char dir[64], *text;

  make_fixture_dir(dir, sizeof dir, "basic");
  render_ok(dir);

  text = read_in(dir, "plots/overshoot_marks_p0.dat");
  ASSERT_HAS(text, "# index 0: policy cooldown\n2.4 6 1 1\n4 6 2 1\n\n\n"
                   "# index 1: policy usage-gate\n"
                   "# no overshoot in this run\n? ? 0 0\n\n\n");
  free(text);
  text = read_in(dir, "plots/overshoot_marks_p1.dat");
  ASSERT_HAS(text, "# index 0: policy cooldown\n2.5 5 1 1\n4.5 5 3 2\n\n\n");
  free(text);
  text = read_in(dir, "plots/overshoot_marks_p2.dat");
  ASSERT_HAS(text, "# index 1: policy usage-gate\n3.1 6 1 1\n\n\n");
  free(text);

  text = read_in(dir, "plots/timeline.gp");
  ASSERT_HAS(text, "array events[9] = [ 2, 0, 0, 3, 0, 0, 2, 1, 0 ]\n");
  ASSERT_HAS(text, "array over_limit[3] = [ 1, 0, 1 ]\n");
  ASSERT_HAS(text, "marks = sprintf('plots/overshoot_marks_p%d.dat', p)\n");
  ASSERT_HAS(text, "marks index (i-1) using 1:2 with points pt 11");
  ASSERT_HAS(text, "warmup = 1\n");
  free(text);

  /* What the legends say: the shading only where upstream went over. */
  text = read_in(dir, "plots/timeline_p0.svg");
  ASSERT_HAS(text, ">start found the cap (N+1 / 429)<");
  ASSERT_HAS(text, ">upstream above the limit<");
  ASSERT_HAS(text, ">cooldown: 2 overshoot events in the run<");
  free(text);
  text = read_in(dir, "plots/timeline_p1.svg");
  ASSERT_HAS(text, ">start found the cap (N+1 / 429)<");
  ASSERT_LACKS(text, "upstream above the limit");
  ASSERT_HAS(text, ">cooldown: 3 overshoot events in the run<");
  free(text);
  remove_tree(dir);
}

/* A timeline for the nosweep fixture's cooldown: 600 s long, an
 * overshoot at each time in `events` (a comma-separated list). */
static void write_long_timeline(const char *dir, const char *events)
{
  char path[512], text[2048], *at = text, *e;
  int n = 0;

  at += sprintf(at, "point,policy,time_s,upstream,limit,in_use,queued,"
                    "overshoots\n0,cooldown,0,0,4,0,0,0\n");
  for (const char *t = events; *t != '\0'; t = e + (*e == ',')) {
    double time = strtod(t, &e);
    at += sprintf(at, "0,cooldown,%g,4,4,4,0,%d\n", time, ++n);
  }
  sprintf(at,
          "0,cooldown,600,0,4,0,0,%d\n0,usage-gate,0,0,4,0,0,0\n"
          "0,usage-gate,300,4,4,4,0,0\n",
          n);
  write_text(in_dir(path, sizeof path, dir, "timeline.csv"), text);
}

/* The detail window: on the first overshoot after a 60 s warm-up, at
 * the warm-up's end when that is near or there is none, and moved back
 * to keep 120 s at the end of the timeline. */
static void test_detail_window(void)
{
  static const struct {
    const char *events, *window, *why, *counts;
  } cases[] = {
      {"30,200", "[ 190 ]\narray detail_to[npoints] = [ 310 ]",
       "starts 10 s before the first overshoot after the warm-up (at "
       "200.0 s)",
       "[ 1, 0 ]"},
      {"30,65,70", "[ 60 ]\narray detail_to[npoints] = [ 180 ]",
       "starts where the warm-up ends at 60 s; the first overshoot after "
       "it is at 65.0 s",
       "[ 2, 0 ]"},
      {"30", "[ 60 ]\narray detail_to[npoints] = [ 180 ]",
       "starts where the warm-up ends at 60 s; no overshoot after it",
       "[ 0, 0 ]"},
      {"595.5", "[ 480 ]\narray detail_to[npoints] = [ 600 ]",
       "is the last 120 s of the timeline: the warm-up ends at 60 s; the "
       "first overshoot after it is at 595.5 s",
       "[ 1, 0 ]"},
  };
  char dir[64], want[256], *text;

  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    make_fixture_dir(dir, sizeof dir, "nosweep");
    edit_file(dir, "results.json", "\"duration_s\": 600",
              "\"duration_s\": 600, \"warmup_s\": 60");
    write_long_timeline(dir, cases[k].events);
    render_ok(dir);

    text = read_in(dir, "plots/timeline_detail.gp");
    snprintf(want, sizeof want, "array detail_from[npoints] = %s",
             cases[k].window);
    ASSERT_HAS(text, want);
    ASSERT_HAS(text, cases[k].why);
    snprintf(want, sizeof want, "array events[2] = %s\n", cases[k].counts);
    ASSERT_HAS(text, want);
    free(text);
    text = read_in(dir, "report.html");
    ASSERT_HAS(text, cases[k].why);
    free(text);
    remove_tree(dir);
  }
}

/* The same input gives the same report, byte for byte. */
static void test_render_is_deterministic(void)
{
  char dir[64];
  char *first, *second;

  make_fixture_dir(dir, sizeof dir, "basic");
  render_ok(dir);
  first = read_in(dir, "report.html");
  render_ok(dir);
  second = read_in(dir, "report.html");
  CU_ASSERT(strcmp(first, second) == 0);
  free(first);
  free(second);
  remove_tree(dir);
}

static void test_no_sweep_draws_bars(void)
{
  char dir[64], *text;

  make_fixture_dir(dir, sizeof dir, "nosweep");
  render_ok(dir);
  assert_image(dir, "overshoot");
  assert_image(dir, "timeline_p0");
  CU_ASSERT(!exists(dir, "plots/timeline_p1.dat"));

  text = read_in(dir, "plots/overshoot.gp");
  ASSERT_HAS(text, ":(0.6):xtic(policy[i]) \\\n    with boxerrorbars lt i");
  free(text);
  text = read_in(dir, "report.html");
  ASSERT_HAS(text, "Nothing was swept");
  ASSERT_HAS(text, "The scenario states no expectations.");
  ASSERT_HAS(text, "Point 1 of 1: no sweep</h2>");
  ASSERT_HAS(text, "The window is the whole timeline, shorter than 120 s: "
                   "there is no warm-up; the first overshoot after it is "
                   "at 2.5 s.");
  ASSERT_LACKS(text, "headroom");
  LSIM_ASSERT_EQ_INT(count(text, "<svg "), 5);
  free(text);
  remove_tree(dir);
}

/* A swept value that is not a number: x becomes the point's number,
 * labelled with the values. */
static void test_text_sweep_values(void)
{
  char dir[64], *text;

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "results.json", "\"provider.release_lag.mean\": 0.5",
            "\"provider.release_lag.mean\": \"short <lag>\"");
  render_ok(dir);
  assert_image(dir, "overshoot");

  text = read_in(dir, "plots/summary.dat");
  ASSERT_HAS(text, "# column 2: x, the point again\n");
  ASSERT_HAS(text, "# index 0: policy cooldown\n0 0 \"short <lag>\" 3 ");
  free(text);
  text = read_in(dir, "plots/overshoot.gp");
  ASSERT_HAS(text, "set xlabel 'sweep point'");
  ASSERT_HAS(text, "set xtics rotate by -20 ('short <lag>' 0, '1' 1, "
                   "'2' 2)\n");
  ASSERT_HAS(text, "using ($1 + shift(i)):(column(c_overshoot)) with");
  free(text);
  text = read_in(dir, "report.html");
  ASSERT_HAS(text, "Point 1 of 3: provider.release_lag.mean = short "
                   "&lt;lag&gt;</h2>");
  free(text);
  remove_tree(dir);
}

/* ---- bad input: one line, and nothing written ---- */

/* Renders dir, expecting LSIM_REPORT_EINPUT and "dir/<message>". */
static void assert_rejected(const char *dir, const char *message)
{
  char err[1024], expected[1024];
  int missing, rc = render(dir, err, sizeof err, &missing);

  LSIM_ASSERT_EQ_INT(rc, LSIM_REPORT_EINPUT);
  snprintf(expected, sizeof expected, "%s/%s", dir, message);
  ASSERT_STR_EQ(err, expected);
  CU_ASSERT(strchr(err, '\n') == NULL);
  CU_ASSERT(!exists(dir, "report.html"));
  CU_ASSERT(!exists(dir, "plots"));
}

static void test_missing_results(void)
{
  char dir[64];

  make_dir(dir, sizeof dir);
  assert_rejected(dir, "results.json: cannot open: No such file or directory");
  remove_tree(dir);
}

static void test_invalid_json(void)
{
  char dir[64], path[128];

  make_fixture_dir(dir, sizeof dir, "basic");
  copy_file(FIXTURES "bad_syntax/results.json",
            in_dir(path, sizeof path, dir, "results.json"));
  assert_rejected(dir, "results.json: line 4, column 27: invalid JSON");
  remove_tree(dir);
}

static void test_missing_points(void)
{
  char dir[64], path[128];

  make_fixture_dir(dir, sizeof dir, "basic");
  copy_file(FIXTURES "bad_nopoints/results.json",
            in_dir(path, sizeof path, dir, "results.json"));
  assert_rejected(dir,
                  "results.json: points: missing, expected a non-empty array");
  remove_tree(dir);
}

/* Replaces the first `from` in dir/name with `to`. */
static void edit_file(const char *dir, const char *name, const char *from,
                      const char *to)
{
  char path[512], *text = read_in(dir, name), *at = strstr(text, from);
  char *edited;

  CU_ASSERT_PTR_NOT_NULL_FATAL(at);
  edited = malloc(strlen(text) + strlen(to) + 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(edited);
  memcpy(edited, text, (size_t)(at - text));
  strcpy(edited + (at - text), to);
  strcat(edited, at + strlen(from));
  write_text(in_dir(path, sizeof path, dir, name), edited);
  free(edited);
  free(text);
}

static void test_bad_values_name_their_key(void)
{
  char dir[64];

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "results.json", "\"ci95_hi\": 3.37", "\"ci95_hi\": \"x\"");
  assert_rejected(dir, "results.json: points[0].policies.cooldown.metrics."
                       "overshoot_events.ci95_hi: expected a number or "
                       "null, got the string \"x\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "results.json", "\"replications\": 20", "\"replications\": 0");
  assert_rejected(dir, "results.json: replications: expected an integer "
                       ">= 1, got 0");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "results.json", "\"throughput_per_s\"", "\"throughput\"");
  assert_rejected(dir, "results.json: points[0].policies.cooldown.metrics."
                       "throughput_per_s: missing, expected a metric (the "
                       "figures draw it)");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "results.json", "\"pass\": false", "\"pass\": \"no\"");
  assert_rejected(dir, "results.json: expect[1].pass: expected true or "
                       "false, got the string \"no\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "results.json", "\"warmup_s\": 1", "\"warmup_s\": -1");
  assert_rejected(dir, "results.json: scenario.warmup_s: expected a number "
                       ">= 0, got -1");
  remove_tree(dir);
}

static void test_bad_csv_rows(void)
{
  char dir[64], path[128];

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", "0,usage-gate,0,", "0,fifo,0,");
  assert_rejected(dir, "timeline.csv:19: policy: expected a policy listed "
                       "in results.json, got \"fifo\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", "in_use,queued", "in_use");
  assert_rejected(dir, "timeline.csv:1: expected the header "
                       "point,policy,time_s,upstream,limit,in_use,queued,"
                       "overshoots");
  remove_tree(dir);

  /* The header before overshoots existed is refused, not guessed at. */
  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", ",overshoots\n", "\n");
  assert_rejected(dir, "timeline.csv:1: expected the header "
                       "point,policy,time_s,upstream,limit,in_use,queued,"
                       "overshoots");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", "0,cooldown,2.9,4,4,4,1,1",
            "0,cooldown,2.9,4,4,4,1,0");
  assert_rejected(dir, "timeline.csv:12: overshoots: expected a count no "
                       "less than the previous row's of this point and "
                       "policy, got \"0\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", "0,cooldown,2.4,5,4,4,1,1",
            "0,cooldown,2.4,5,4,4,1,0.5");
  assert_rejected(dir, "timeline.csv:11: overshoots: expected a whole "
                       "number >= 0, got \"0.5\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", "0,cooldown,0,0,4,0,0,0",
            "0,cooldown,0,0,4,0,0");
  assert_rejected(dir, "timeline.csv:2: row: expected one field per header "
                       "column, got \"7 fields\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "timeline.csv", "0,cooldown,2.4,", "0,cooldown,1.5,");
  assert_rejected(dir, "timeline.csv:11: time_s: expected a value no less "
                       "than the previous row's of this point and policy, "
                       "got \"1.5\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  edit_file(dir, "wait_cdf.csv", "1,cooldown,0,0.5", "1,cooldown,0,1.5");
  assert_rejected(dir, "wait_cdf.csv:41: cdf: expected a fraction from 0 "
                       "to 1, got \"1.5\"");
  remove_tree(dir);

  make_fixture_dir(dir, sizeof dir, "basic");
  write_text(in_dir(path, sizeof path, dir, "wait_cdf.csv"),
             "point,policy,wait_s,cdf\n0,cooldown,0,1\n");
  assert_rejected(dir, "wait_cdf.csv: no rows for point 0, policy "
                       "usage-gate");
  remove_tree(dir);
}

/* ---- gnuplot missing or failing ---- */

/* Runs render with PATH set to `path`, then puts PATH back. */
static int render_with_path(const char *dir, const char *path, char *err,
                            size_t errlen, int *missing)
{
  const char *old = getenv("PATH");
  char *saved = old != NULL ? strdup(old) : NULL;
  int rc;

  CU_ASSERT_FATAL(setenv("PATH", path, 1) == 0);
  rc = render(dir, err, errlen, missing);
  if (saved != NULL)
    setenv("PATH", saved, 1);
  else
    unsetenv("PATH");
  free(saved);
  return rc;
}

static void test_gnuplot_missing(void)
{
  char dir[64], empty[64], expected[256], err[1024], *text;
  int missing, rc;

  make_fixture_dir(dir, sizeof dir, "basic");
  make_dir(empty, sizeof empty);
  render_ok(dir); /* leaves images that the next render must remove */

  rc = render_with_path(dir, empty, err, sizeof err, &missing);
  LSIM_ASSERT_EQ_INT(rc, 0);
  LSIM_ASSERT_EQ_INT(missing, 1);
  snprintf(expected, sizeof expected,
           "gnuplot not found: plots not rendered; data and scripts are in "
           "%s/plots",
           dir);
  ASSERT_STR_EQ(err, expected);

  CU_ASSERT(exists(dir, "plots/timeline.gp"));
  CU_ASSERT(exists(dir, "plots/summary.dat"));
  CU_ASSERT(exists(dir, "plots/wait_cdf_p2.dat"));
  CU_ASSERT(!exists(dir, "plots/timeline_p0.svg"));
  CU_ASSERT(!exists(dir, "plots/overshoot.png"));
  text = read_in(dir, "report.html");
  ASSERT_LACKS(text, "<svg");
  LSIM_ASSERT_EQ_INT(count(text, "Not rendered: gnuplot was not found"), 11);
  ASSERT_HAS(text, "<code>gnuplot plots/timeline.gp</code>");
  ASSERT_HAS(text, "<th>headroom</th>");
  free(text);
  remove_tree(empty);
  remove_tree(dir);
}

static void test_gnuplot_failure(void)
{
  char dir[64], bin[64], path[128], expected[512], err[1024], *log;
  int missing, rc;

  make_fixture_dir(dir, sizeof dir, "basic");
  make_dir(bin, sizeof bin);
  in_dir(path, sizeof path, bin, "gnuplot");
  write_text(path, "#!/bin/sh\necho \"bad script: $1\" >&2\nexit 3\n");
  CU_ASSERT_FATAL(chmod(path, 0755) == 0);

  rc = render_with_path(dir, bin, err, sizeof err, &missing);
  LSIM_ASSERT_EQ_INT(rc, LSIM_REPORT_EGNUPLOT);
  LSIM_ASSERT_EQ_INT(missing, 0);
  snprintf(expected, sizeof expected,
           "%s/plots/overshoot.gp: gnuplot failed (exit status 3); see "
           "%s/plots/gnuplot.log",
           dir, dir);
  ASSERT_STR_EQ(err, expected);
  log = read_in(dir, "plots/gnuplot.log");
  ASSERT_STR_EQ(log, "bad script: plots/overshoot.gp\n");
  free(log);
  CU_ASSERT(!exists(dir, "report.html"));
  remove_tree(bin);
  remove_tree(dir);
}

static void test_strerror_names_each_code(void)
{
  ASSERT_STR_EQ(lsim_report_strerror(LSIM_REPORT_OK), "success");
  ASSERT_STR_EQ(lsim_report_strerror(LSIM_REPORT_EINPUT),
                "results are missing or invalid");
  ASSERT_STR_EQ(lsim_report_strerror(LSIM_REPORT_EGNUPLOT), "gnuplot failed");
  ASSERT_STR_EQ(lsim_report_strerror(12345), "unknown error");
}

int lsim_test_register(void)
{
  static const struct lsim_test_case render_tests[] = {
      {"writes every file", test_render_writes_every_file},
      {"report.html content", test_report_html_content},
      {"tables and verdict", test_report_tables_and_verdict},
      {"data files and scripts", test_data_files},
      {"overshoot marks", test_overshoot_marks},
      {"detail window", test_detail_window},
      {"deterministic", test_render_is_deterministic},
      {"no sweep draws bars", test_no_sweep_draws_bars},
      {"text sweep values", test_text_sweep_values},
      {NULL, NULL}};
  static const struct lsim_test_case input_tests[] = {
      {"missing results.json", test_missing_results},
      {"invalid JSON", test_invalid_json},
      {"missing points", test_missing_points},
      {"bad values name their key", test_bad_values_name_their_key},
      {"bad CSV rows", test_bad_csv_rows},
      {NULL, NULL}};
  static const struct lsim_test_case gnuplot_tests[] = {
      {"gnuplot missing", test_gnuplot_missing},
      {"gnuplot failure", test_gnuplot_failure},
      {"strerror", test_strerror_names_each_code},
      {NULL, NULL}};

  if (lsim_test_add_suite("reports: render", render_tests) != 0 ||
      lsim_test_add_suite("reports: bad input", input_tests) != 0)
    return -1;
  return lsim_test_add_suite("reports: gnuplot", gnuplot_tests);
}
