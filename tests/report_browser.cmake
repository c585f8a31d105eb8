# report_browser: renders the fixture results and opens report.html in
# headless Chromium, checking the DOM and a screenshot (report_browser.sh).
# It fails, not skips, without chromium: scripts/deps installs it.
if(TARGET limsim_reports)
  add_executable(report_render
                 ${CMAKE_CURRENT_SOURCE_DIR}/tools/report_render.c)
  target_link_libraries(report_render PRIVATE limsim_reports)
  add_test(NAME report_browser
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/report_browser.sh
                   $<TARGET_FILE:report_render>
                   ${CMAKE_CURRENT_SOURCE_DIR}/data/results/basic)
  set_tests_properties(report_browser PROPERTIES TIMEOUT 180)
endif()
