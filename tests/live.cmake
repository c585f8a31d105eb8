# test_live runs live mode against the mock provider with the real clock:
# a few seconds per run, well under a minute in all. The bound stops a
# run that hangs.
if(TARGET test_live)
  set_tests_properties(test_live PROPERTIES TIMEOUT 120)
endif()
