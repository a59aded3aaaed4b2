/* fixedrand.h - OpenSSL's random bytes from a fixed stream, for the
 * libFuzzer harnesses whose code under test draws random bytes (SOPS
 * IVs, keys made at start-up).
 *
 * A fuzzer with a fixed -seed must take the same path every time, and
 * an input must take the same one whichever inputs ran before it. So
 * sg_fuzz_fixed_rand() replaces OpenSSL's generator (RAND_bytes and
 * RAND_priv_bytes, which sg_random and OpenSSL's own key generation
 * use) by a stream that depends on nothing but the number of bytes drawn
 * since the last call, and restarts it: call it at the start of every
 * input. The stream is SHA-256 of a counter: predictable, and only ever
 * used for fuzzing.
 */
#ifndef SIGNET_FUZZ_FIXEDRAND_H
#define SIGNET_FUZZ_FIXEDRAND_H

void sg_fuzz_fixed_rand(void);

#endif
