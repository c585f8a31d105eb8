# Sharded sweeps: GNU parallel runs 3 shards, merge must equal -j 2.
add_test(NAME shard_parallel
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/shard_parallel.sh
                 $<TARGET_FILE:limsim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(shard_parallel PROPERTIES TIMEOUT 300)
