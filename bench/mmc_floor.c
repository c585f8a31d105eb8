/*
 * mmc_floor.c - the floor: the M/M/c model of bench/sim_bench.c written
 * by hand in the fewest instructions, to measure what limsim's generality
 * (the limiter core, the event heap, the bookkeeping) costs on top of it.
 *
 * It links nothing of limsim. It draws its numbers the way limsim does
 * (GSL's mt19937 and gsl_ran_exponential, one stream for arrivals and one
 * for sessions, a session drawn at its arrival), so that the ratio
 * floor / limsim measures the simulator and not the choice of generator.
 * With --fast-rng it uses an inline xorshift and -log(u) instead, which
 * shows what the generator itself costs.
 *
 * The model: Poisson arrivals at rate lambda, exponential sessions of
 * mean 1 s, c servers, FIFO queue. The only pending events are the next
 * arrival and at most c departures, so the departures are a plain array
 * scanned for its minimum: at c = 4 that beats any heap.
 *
 * Usage: mmc_floor [--fast-rng] [horizon_s [servers [rho]]]
 *        (defaults 2000000, 4, 0.75)
 * Prints "key value" lines: sessions, wall_s, sessions_per_s, wait_mean_s.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLOOR_MAX_SERVERS 64
#define FLOOR_QUEUE_CAP (1u << 16) /* as limsim's bound on open jobs */

/* The two sources of randomness, either GSL's or a cheap inline one. */
struct floor_rng {
  bool fast;
  gsl_rng *gsl;
  uint64_t state;
};

struct floor_waiting {
  double arrived, session;
};

struct floor_model {
  int servers;
  double lambda, horizon;
  double departs[FLOOR_MAX_SERVERS]; /* INFINITY: the server is idle */
  struct floor_waiting queue[FLOOR_QUEUE_CAP];
  uint32_t head, len;
  uint64_t sessions, dropped, waited;
  double wait_sum;
  struct floor_rng arrivals, lengths;
};

static double floor_now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void floor_rng_init(struct floor_rng *r, bool fast, uint64_t seed)
{
  r->fast = fast;
  r->state = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
  r->gsl = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r->gsl, (unsigned long)seed);
}

/* xorshift64*: good enough for a timing floor, not for a study. */
static double floor_rng_exponential(struct floor_rng *r, double mean)
{
  double u;

  if (!r->fast)
    return gsl_ran_exponential(r->gsl, mean);
  r->state ^= r->state >> 12;
  r->state ^= r->state << 25;
  r->state ^= r->state >> 27;
  u = (double)((r->state * UINT64_C(0x2545F4914F6CDD1D)) >> 11) * 0x1p-53;
  return -mean * log1p(-u);
}

static int floor_idle_server(const struct floor_model *m)
{
  for (int i = 0; i < m->servers; i++)
    if (m->departs[i] == INFINITY)
      return i;
  return -1;
}

static int floor_next_departure(const struct floor_model *m)
{
  int first = 0;

  for (int i = 1; i < m->servers; i++)
    if (m->departs[i] < m->departs[first])
      first = i;
  return first;
}

static void floor_start(struct floor_model *m, int server, double now,
                        double arrived, double session)
{
  m->sessions++;
  m->wait_sum += now - arrived;
  m->waited += now > arrived;
  m->departs[server] = now + session;
}

static void floor_arrive(struct floor_model *m, double now)
{
  double session = floor_rng_exponential(&m->lengths, 1.0);
  int server = floor_idle_server(m);

  if (server >= 0) {
    floor_start(m, server, now, now, session);
    return;
  }
  if (m->len == FLOOR_QUEUE_CAP) {
    m->dropped++;
    return;
  }
  m->queue[(m->head + m->len++) % FLOOR_QUEUE_CAP] =
      (struct floor_waiting){now, session};
}

static void floor_depart(struct floor_model *m, int server)
{
  double now = m->departs[server];
  struct floor_waiting next;

  m->departs[server] = INFINITY;
  if (m->len == 0)
    return;
  next = m->queue[m->head];
  m->head = (m->head + 1) % FLOOR_QUEUE_CAP;
  m->len--;
  floor_start(m, server, now, next.arrived, next.session);
}

static void floor_run(struct floor_model *m)
{
  double next_arrival = floor_rng_exponential(&m->arrivals, 1 / m->lambda);

  for (;;) {
    int server = floor_next_departure(m);
    double depart = m->departs[server];

    if (next_arrival <= depart) {
      if (next_arrival > m->horizon)
        return;
      floor_arrive(m, next_arrival);
      next_arrival += floor_rng_exponential(&m->arrivals, 1 / m->lambda);
    } else {
      if (depart > m->horizon)
        return;
      floor_depart(m, server);
    }
  }
}

static int floor_usage(void)
{
  fprintf(stderr, "usage: mmc_floor [--fast-rng] [horizon_s [servers "
                  "[rho]]]\n");
  return 2;
}

int main(int argc, char **argv)
{
  static struct floor_model m;
  bool fast = argc > 1 && strcmp(argv[1], "--fast-rng") == 0;
  char **arg = argv + 1 + fast;
  int nargs = argc - 1 - fast;
  double rho, start, wall;

  m.horizon = nargs > 0 ? atof(arg[0]) : 2e6;
  m.servers = nargs > 1 ? atoi(arg[1]) : 4;
  rho = nargs > 2 ? atof(arg[2]) : 0.75;
  if (nargs > 3 || !(m.horizon > 0) || m.servers < 1 ||
      m.servers > FLOOR_MAX_SERVERS || !(rho > 0 && rho < 1))
    return floor_usage();

  m.lambda = rho * m.servers; /* sessions have a mean of 1 s */
  for (int i = 0; i < m.servers; i++)
    m.departs[i] = INFINITY;
  floor_rng_init(&m.arrivals, fast, 1);
  floor_rng_init(&m.lengths, fast, 2);

  start = floor_now_s();
  floor_run(&m);
  wall = floor_now_s() - start;

  printf("rng %s\n", fast ? "xorshift" : "gsl_mt19937");
  printf("sessions %llu\n", (unsigned long long)m.sessions);
  printf("dropped %llu\n", (unsigned long long)m.dropped);
  printf("wall_s %.6f\n", wall);
  printf("sessions_per_s %.0f\n", (double)m.sessions / wall);
  printf("wait_mean_s %.6f\n", m.wait_sum / (double)m.sessions);
  printf("p_wait %.6f\n", (double)m.waited / (double)m.sessions);
  gsl_rng_free(m.arrivals.gsl);
  gsl_rng_free(m.lengths.gsl);
  return 0;
}
