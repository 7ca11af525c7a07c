# Runs BINARY with ARGS (a ;-list) and fails unless it exits with EXPECTED.
execute_process(COMMAND ${BINARY} ${ARGS} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL EXPECTED)
  message(FATAL_ERROR "${BINARY} ${ARGS}: exit ${code}, expected ${EXPECTED}\n${out}${err}")
endif()
message(STATUS "exit ${code} as expected: ${err}")
