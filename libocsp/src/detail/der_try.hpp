// OCSP_DER_TRY: BOOST_OUTCOME_TRY for the der::reader primitives, which answer with a bare errc
// (errc{} is success). Private to libocsp's sources.
#pragma once

#include "ocsp/der.hpp"

/// Evaluates `expr` (an ocsp::errc) and returns it from the enclosing function unless it is success.
#define OCSP_DER_TRY(expr)                                      \
  do {                                                          \
    if (const ::ocsp::errc ocsp_der_try_e_ = (expr);            \
        ocsp_der_try_e_ != ::ocsp::errc{}) [[unlikely]] {       \
      return ocsp_der_try_e_;                                   \
    }                                                           \
  } while (false)
