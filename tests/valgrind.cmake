# Memcheck over the paths a user takes: a short `limsim run` and a
# `limsim check` of a tiny scenario (threads, sweep, expectations, every
# output file), and the expectations' unit tests. Any memory error or
# definite or indirect leak fails the test. Sanitizer builds cannot run
# under valgrind; a plain build without valgrind fails rather than skips
# (scripts/deps installs it).
if(LIMSIM_SANITIZE OR LIMSIM_TSAN OR NOT TARGET limsim)
  return()
endif()
find_program(LIMSIM_VALGRIND valgrind)
if(NOT LIMSIM_VALGRIND)
  add_test(NAME valgrind_missing
           COMMAND sh -c "echo 'valgrind not found; run scripts/deps' >&2; exit 1")
  return()
endif()

set(memcheck ${LIMSIM_VALGRIND} -q --tool=memcheck --leak-check=full
    --errors-for-leak-kinds=definite,indirect --error-exitcode=1)
set(vg ${CMAKE_CURRENT_BINARY_DIR}/valgrind)
file(WRITE ${vg}/tiny.json [=[{
  "name": "tiny",
  "duration_s": 120,
  "warmup_s": 10,
  "replications": 2,
  "limiter": {"limit": 2, "cooldown_s": 0.5,
              "policies": ["cooldown", "usage-gate", "headroom"]},
  "provider": {"release_lag": {"dist": "uniform", "min": 1, "max": 2},
               "usage": {"latency": 0.1, "failure_rate": 0.2}},
  "workload": {"kind": "closed", "agents": 5, "think": 2,
               "session": {"dist": "exponential", "mean": 3}},
  "sweep": {"limiter.cooldown_s": [0.5, 3]},
  "expect": {"checks": [
    {"policy": "headroom", "metric": "completed", "mean": {"min": 1}},
    {"paired": "cooldown - headroom", "metric": "overshoot_events",
     "ci95_hi": {"max": 1000}, "points": {"limiter.cooldown_s": 0.5}}]}
}
]=])

add_test(NAME valgrind_run
         COMMAND ${memcheck} $<TARGET_FILE:limsim> run ${vg}/tiny.json
                 --out ${vg}/run --no-plots -j 2)
add_test(NAME valgrind_check
         COMMAND ${memcheck} $<TARGET_FILE:limsim> check ${vg}/tiny.json
                 --out ${vg}/check --junit ${vg}/check.xml -j 2)
if(TARGET test_expect)
  add_test(NAME valgrind_test_expect
           COMMAND ${memcheck} $<TARGET_FILE:test_expect>
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
