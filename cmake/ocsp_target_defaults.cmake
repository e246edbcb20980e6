# Per-target compile settings. No global flags: every target of this project calls
# ocsp_target_defaults(), and nothing leaks into a consumer's build through the exported targets.
function(ocsp_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
      -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
      -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
    if(OCSP_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
  ocsp_instrument(${target})
endfunction()

# The instrumentation a build asks for (OCSP_FUZZ, OCSP_SANITIZE, OCSP_TSAN), for every object that
# goes into a binary: ocsp_target_defaults() applies it, and targets that take no warnings (Catch2's
# main) call it themselves. An uninstrumented object breaks TSan in a way that is hard to see:
# the inline functions it emits out of line (shared_ptr's reference counting among them) are
# COMDAT, the linker keeps one copy, and when that copy is the uninstrumented one (more likely at
# -O0, where little is inlined), TSan misses the synchronization and reports races that are not.
function(ocsp_instrument target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    if(OCSP_FUZZ)
      target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
    if(OCSP_SANITIZE)
      target_compile_options(${target} PRIVATE
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
    if(OCSP_TSAN)
      # ThreadSanitizer does not model std::atomic_thread_fence (GCC warns: -Wtsan), which Asio's
      # fenced blocks use around handler calls; without them Asio's scheduler mutexes still order
      # a handler after its posting, and TSan sees those. Every target gets the same definition.
      target_compile_definitions(${target} PRIVATE BOOST_ASIO_DISABLE_FENCED_BLOCK)
      target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=thread)
    endif()
  endif()
endfunction()
