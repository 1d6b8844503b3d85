/* SPDX-License-Identifier: MIT */
/* tests/asan_options.h: the AddressSanitizer defaults that the RINGQ_ENOMEM tests need; include it
 * in one file of each test executable that provokes RINGQ_ENOMEM. */
#ifndef RINGQ_TESTS_ASAN_OPTIONS_H
#define RINGQ_TESTS_ASAN_OPTIONS_H

#if defined(__SANITIZE_ADDRESS__)
#define RINGQ_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RINGQ_TEST_ASAN 1
#endif
#endif

#ifdef RINGQ_TEST_ASAN
/* The RINGQ_ENOMEM tests ask for about 2^55 bytes. AddressSanitizer reports such a request as an
 * error unless allocator_may_return_null is set; ASAN_OPTIONS from the environment still apply on
 * top of this default. */
const char *__asan_default_options(void);

const char *
__asan_default_options(void) {
  return "allocator_may_return_null=1";
}
#endif

#endif
