# Finds the Debian packages limsim builds against. A missing one stops the
# configure step with the name of the package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config "
                      "(or run scripts/deps)")
endif()

function(limsim_require target module debian_package)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install "
                        "${debian_package} (or run scripts/deps)")
  endif()
endfunction()

limsim_require(CJSON libcjson libcjson-dev)
limsim_require(GSL gsl libgsl-dev)
limsim_require(CUNIT cunit libcunit1-dev)
limsim_require(CURL libcurl libcurl4-openssl-dev)
limsim_require(MHD libmicrohttpd libmicrohttpd-dev)

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
