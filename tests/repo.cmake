# Checks over the whole program and the tree: determinism end to end
# through the CLI, and the 80-column rule of STYLE.md.
add_test(NAME determinism
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/determinism.sh
                 $<TARGET_FILE:limsim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(determinism PROPERTIES TIMEOUT 300)
add_test(NAME style_width
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/style_width.sh
                 ${PROJECT_SOURCE_DIR})
