# test_front again under helgrind: the front's locking must be clean, not
# merely pass. helgrind.supp hides one report from inside glibc's timed
# wait (it says why). Sanitizer builds cannot run under valgrind.
find_program(LIMSIM_VALGRIND valgrind)
if(TARGET test_front AND LIMSIM_VALGRIND AND NOT LIMSIM_SANITIZE
   AND NOT LIMSIM_TSAN)
  add_test(NAME test_front_helgrind
           COMMAND ${LIMSIM_VALGRIND} --tool=helgrind --error-exitcode=1
                   --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/helgrind.supp
                   $<TARGET_FILE:test_front>
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
