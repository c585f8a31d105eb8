# `limsim check` and the command line's handling of bad input.
#
# Included by tests/CMakeLists.txt, this file adds the ctest entries: the
# whole scenario library under `limsim check` (its expectations must hold),
# and one entry per command-line case, each of which runs this same file
# in script mode (cmake -P) to judge one run of the program.
#
# Script mode takes:
#   LIMSIM       the program
#   ARGS         its arguments, separated by "|"
#   WORKDIR      a folder for the case, emptied first; the program runs in it
#   EXPECT_RC    the exit status it must return
#   STDERR_LINES the number of lines stderr must have (optional)
#   STDERR_MATCH a regular expression stderr must match (optional)
#   STDOUT_MATCH a regular expression stdout must match (optional)
#   ABSENT       a path, relative to WORKDIR, that must not exist (optional)
#   FILE_MATCH   "PATH|REGEX": a file that must exist and match (optional)

if(CMAKE_SCRIPT_MODE_FILE)
  file(REMOVE_RECURSE ${WORKDIR})
  file(MAKE_DIRECTORY ${WORKDIR})
  string(REPLACE "|" ";" args "${ARGS}")
  execute_process(COMMAND ${LIMSIM} ${args}
                  WORKING_DIRECTORY ${WORKDIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(shown "limsim ${args}\n  exit ${rc}\n  stdout: ${out}\n  stderr: ${err}")

  if(NOT rc EQUAL EXPECT_RC)
    message(FATAL_ERROR "expected exit ${EXPECT_RC}: ${shown}")
  endif()
  if(DEFINED STDERR_LINES)
    string(REGEX MATCHALL "\n" newlines "${err}")
    list(LENGTH newlines nlines)
    if(NOT nlines EQUAL STDERR_LINES)
      message(FATAL_ERROR "expected ${STDERR_LINES} stderr lines: ${shown}")
    endif()
  endif()
  if(DEFINED STDERR_MATCH AND NOT err MATCHES "${STDERR_MATCH}")
    message(FATAL_ERROR "stderr does not match '${STDERR_MATCH}': ${shown}")
  endif()
  if(DEFINED STDOUT_MATCH AND NOT out MATCHES "${STDOUT_MATCH}")
    message(FATAL_ERROR "stdout does not match '${STDOUT_MATCH}': ${shown}")
  endif()
  if(DEFINED ABSENT AND EXISTS ${WORKDIR}/${ABSENT})
    message(FATAL_ERROR "${ABSENT} was written: ${shown}")
  endif()
  if(DEFINED FILE_MATCH)
    string(REPLACE "|" ";" file_match "${FILE_MATCH}")
    list(GET file_match 0 path)
    list(GET file_match 1 regex)
    if(NOT EXISTS ${WORKDIR}/${path})
      message(FATAL_ERROR "${path} was not written: ${shown}")
    endif()
    file(READ ${WORKDIR}/${path} text)
    if(NOT text MATCHES "${regex}")
      message(FATAL_ERROR "${path} does not match '${regex}': ${shown}")
    endif()
  endif()
  return()
endif()

if(NOT TARGET limsim)
  return()
endif()

# The scenario library: every expectation of every scenario must hold.
add_test(NAME check_scenarios
         COMMAND limsim check scenarios/ -j 2
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# Scenario files for the cases, written at configure time.
set(cli_data ${CMAKE_CURRENT_BINARY_DIR}/cli-data)
set(cli_base [=["name": "t", "duration_s": 60, "replications": 2,
  "limiter": {"limit": 2, "policies": ["cooldown", "headroom"]},
  "provider": {"release_lag": 3},
  "workload": {"kind": "poisson", "rate_per_s": 1, "session": 2}]=])
file(WRITE ${cli_data}/good.json "{${cli_base},
  \"expect\": {\"checks\": [{\"policy\": \"headroom\",
    \"metric\": \"overshoot_events\", \"mean\": {\"max\": 0}}]}}\n")
file(WRITE ${cli_data}/failing.json "{${cli_base},
  \"expect\": {\"finding\": \"a 'b'\", \"checks\": [
    {\"policy\": \"cooldown\", \"metric\": \"overshoot_events\",
     \"mean\": {\"max\": 0}, \"finding\": \"x < y & z\"}]}}\n")
file(WRITE ${cli_data}/plain.json "{${cli_base}}\n")
file(WRITE ${cli_data}/bad_key.json
     "{\"name\": \"t\", \"duration_s\": 60, \"limiter\": {\"limit\": 0},
  \"workload\": {\"kind\": \"poisson\", \"rate_per_s\": 1,
  \"session\": 2}}\n")
file(WRITE ${cli_data}/bad_expect.json "{${cli_base},
  \"expect\": {\"checks\": [{\"policy\": \"headroom\",
    \"metric\": \"overshot\", \"mean\": {\"max\": 0}}]}}\n")
file(WRITE ${cli_data}/stuck.json "{${cli_base}, \"max_events\": 10,
  \"expect\": {\"checks\": [{\"policy\": \"headroom\",
    \"metric\": \"overshoot_events\", \"mean\": {\"max\": 0}}]}}\n")
file(MAKE_DIRECTORY ${cli_data}/empty)

# limsim_cli_case(NAME EXPECT_RC ARGS [KEY=VALUE ...]): ARGS separated by
# "|"; KEY=VALUE pairs go to script mode as they are.
function(limsim_cli_case name rc args)
  set(defs)
  foreach(kv ${ARGN})
    list(APPEND defs "-D${kv}")
  endforeach()
  add_test(NAME cli_${name}
           COMMAND ${CMAKE_COMMAND} -DLIMSIM=$<TARGET_FILE:limsim>
                   "-DARGS=${args}" -DEXPECT_RC=${rc}
                   -DWORKDIR=${CMAKE_CURRENT_BINARY_DIR}/cli-work/${name}
                   ${defs} -P ${CMAKE_CURRENT_LIST_FILE})
endfunction()

set(d ${cli_data})
set(one_line STDERR_LINES=1)

# run: bad input is exit 2, one line on stderr, and nothing written.
limsim_cli_case(run_bad_file 2 "run|${d}/bad_key.json|--out|out|--no-plots"
  ${one_line} ABSENT=out
  "STDERR_MATCH=bad_key.json: limiter.limit: expected an integer")
limsim_cli_case(run_missing_file 2 "run|${d}/nope.json|--out|out" ${one_line}
  ABSENT=out "STDERR_MATCH=nope.json")
limsim_cli_case(run_bad_flag 2 "run|${d}/good.json|--out|out|--colour"
  ${one_line} ABSENT=out "STDERR_MATCH=colour")
limsim_cli_case(run_bad_jobs 2 "run|${d}/good.json|--out|out|-j|0"
  ${one_line} ABSENT=out "STDERR_MATCH=-j: expected an integer")
limsim_cli_case(run_bad_set 2
  "run|${d}/good.json|--out|out|--set|limiter.limit=-1" ${one_line}
  ABSENT=out "STDERR_MATCH=limiter.limit")

# run records the verdicts of the scenario's expectations in results.json.
limsim_cli_case(run_records 0 "run|${d}/good.json|--out|out|--no-plots"
  "FILE_MATCH=out/results.json|\"text\":[^\"]*\"PASS headroom")

# check: the same, for every file before anything runs.
limsim_cli_case(check_bad_file 2
  "check|${d}/good.json|${d}/bad_key.json|--out|out" ${one_line} ABSENT=out
  "STDERR_MATCH=bad_key.json: limiter.limit")
limsim_cli_case(check_bad_expect 2 "check|${d}/bad_expect.json|--out|out"
  ${one_line} ABSENT=out
  "STDERR_MATCH=bad_expect.json: expect.checks.0..metric: expected a metric name, got .overshot.")
limsim_cli_case(check_missing_file 2 "check|${d}/nope.json|--out|out"
  ${one_line} ABSENT=out "STDERR_MATCH=nope.json")
limsim_cli_case(check_bad_flag 2 "check|${d}/good.json|--colour" ${one_line}
  "STDERR_MATCH=colour")
limsim_cli_case(check_bad_replications 2
  "check|${d}/good.json|--replications|0" ${one_line}
  "STDERR_MATCH=--replications: expected an integer from 1")
limsim_cli_case(check_no_path 2 "check" ${one_line}
  "STDERR_MATCH=expected a scenario file or folder")
limsim_cli_case(check_empty_folder 2 "check|${d}/empty" ${one_line}
  "STDERR_MATCH=expected ..json scenario files, found none")

# check: the outcomes.
limsim_cli_case(check_pass 0
  "check|${d}/good.json|${d}/plain.json|--out|out|--junit|j.xml"
  "STDOUT_MATCH=PASS headroom overshoot_events 0 .0, 0.: want mean <= 0"
  "FILE_MATCH=out/good/results.json|\"text\":[^\"]*\"PASS headroom")
limsim_cli_case(check_skips_plain 0 "check|${d}/plain.json"
  "STDOUT_MATCH=plain.json: no expectations, skipped")
limsim_cli_case(check_fail 1 "check|${d}/failing.json|--junit|j.xml"
  "STDOUT_MATCH=FAIL cooldown overshoot_events [1-9]"
  "FILE_MATCH=j.xml|<property name=\"finding\" value=\"a &apos.b&apos.\"/>.*<failure message=\"FAIL cooldown[^\"]*\">[^<]*finding: x &lt. y &amp. z</failure>")
limsim_cli_case(check_run_failure 3 "check|${d}/stuck.json|${d}/good.json"
  "STDERR_MATCH=stuck.json"
  "STDOUT_MATCH=good.json: 1 expectation, 1 point x 2 replications")
