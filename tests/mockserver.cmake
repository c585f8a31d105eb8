# The mock provider's server: test_mockserver drives it with libcurl, and
# mockserver_curl.sh runs `limsim mock-provider` against the curl program.
if(TARGET test_mockserver)
  target_link_libraries(test_mockserver PRIVATE PkgConfig::CURL
                        Threads::Threads)
  set_tests_properties(test_mockserver PROPERTIES TIMEOUT 60)
endif()

find_program(LIMSIM_CURL curl)
if(TARGET limsim AND TARGET limsim_mockserver AND LIMSIM_CURL)
  add_test(NAME mockserver_curl
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/mockserver_curl.sh
                   $<TARGET_FILE:limsim>
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(mockserver_curl PROPERTIES TIMEOUT 60)
endif()
