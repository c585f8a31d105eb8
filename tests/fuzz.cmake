# Fuzzing, bounded. In a clang build configured with -DLIMSIM_FUZZ=ON,
# ctest runs each libFuzzer target of fuzz/ for LIMSIM_FUZZ_SECONDS on its
# corpus (fuzz/corpus/NAME, read only: new inputs go to the build folder).
# In any other build one entry, `fuzz`, runs tests/fuzz.sh, which makes
# such a clang build beside this one and runs those entries; it fails,
# rather than skips, when clang is missing.
set(LIMSIM_FUZZ_SECONDS 15 CACHE STRING "seconds ctest fuzzes each target")

if(LIMSIM_FUZZ)
  set(fuzz_names scenario dist_csv trace_csv)
  if(TARGET limsim_live)
    list(APPEND fuzz_names usage)
  endif()
  foreach(name ${fuzz_names})
    set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${name})
    file(MAKE_DIRECTORY ${work}/new)
    add_test(NAME fuzz_${name}
             COMMAND fuzz_${name} -max_total_time=${LIMSIM_FUZZ_SECONDS}
                     -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
                     -artifact_prefix=${work}/ ${work}/new
                     ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
    set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 120)
  endforeach()
elseif(NOT LIMSIM_SANITIZE AND NOT LIMSIM_TSAN)
  # Sanitizer builds leave it to the plain one: one fuzz run is enough.
  add_test(NAME fuzz
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fuzz.sh
                   ${PROJECT_BINARY_DIR}/fuzz-build ${LIMSIM_FUZZ_SECONDS})
  set_tests_properties(fuzz PROPERTIES TIMEOUT 300)
endif()
