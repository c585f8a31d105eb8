# Plugins that test_plugin loads: the example policy and broken ones, each
# a module built from tests/plugins/<name>.c. Their paths reach the test
# program as LSIM_PLUGIN_<NAME> definitions.
if(TARGET test_plugin)
  foreach(name bad_abi no_symbol no_usage)
    add_library(limsim_test_plugin_${name} MODULE
                ${CMAKE_CURRENT_SOURCE_DIR}/plugins/${name}.c)
    target_include_directories(limsim_test_plugin_${name} PRIVATE
                               ${PROJECT_SOURCE_DIR}/core)
    string(TOUPPER ${name} upper)
    target_compile_definitions(test_plugin PRIVATE
      LSIM_PLUGIN_${upper}="$<TARGET_FILE:limsim_test_plugin_${name}>")
    add_dependencies(test_plugin limsim_test_plugin_${name})
  endforeach()
  target_compile_definitions(test_plugin PRIVATE
    LSIM_PLUGIN_EXAMPLE="$<TARGET_FILE:limsim_example_policy>")
  add_dependencies(test_plugin limsim_example_policy)
endif()
