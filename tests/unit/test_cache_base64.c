/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/cache.c's base64: the cache stores the list's bytes as Go encodes a
 * []byte (CCH-2), and libcni must read what we write. */
#include "unit.h"

#include "cache.h"

/* CCH-2: Go's []byte encoding is standard base64 with padding. */
static void test_cch2_base64_known_values(void **state)
{
	static const struct {
		const char *plain, *enc;
	} v[] = {{"", ""},
		 {"f", "Zg=="},
		 {"fo", "Zm8="},
		 {"foo", "Zm9v"},
		 {"hello", "aGVsbG8="},
		 {"foobar", "Zm9vYmFy"},
		 {"\xff\xfe", "//4="}};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *enc = cni_base64_encode(v[i].plain, strlen(v[i].plain));
		size_t len = 99;
		char *dec;

		assert_string_equal(enc, v[i].enc);
		dec = cni_base64_decode(v[i].enc, &len);
		assert_non_null(dec);
		assert_int_equal(len, strlen(v[i].plain));
		assert_memory_equal(dec, v[i].plain, len);
		free(enc);
		free(dec);
	}
}

/* Binary data (NUL bytes, every byte value) survives the round trip. */
static void test_cch2_base64_binary_round_trip(void **state)
{
	char data[300];
	size_t len = 0;
	char *enc, *dec;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	for (size_t n = 0; n <= 5; n++) {
		enc = cni_base64_encode(data, sizeof(data) - n);
		dec = cni_base64_decode(enc, &len);
		assert_non_null(dec);
		assert_int_equal(len, sizeof(data) - n);
		assert_memory_equal(dec, data, len);
		free(enc);
		free(dec);
	}
}

static void test_cch2_base64_malformed(void **state)
{
	static const char *const bad[] = {
	    "abc", "a===", "@@@@", "Zg==Zg==", "Z=g=", "Zm9v\n", "Zg"};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		char *dec = cni_base64_decode(bad[i], &len);

		if (dec) {
			fprintf(stderr, "decoded malformed base64 `%s`\n", bad[i]);
			free(dec);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cch2_base64_known_values),
	    cmocka_unit_test(test_cch2_base64_binary_round_trip),
	    cmocka_unit_test(test_cch2_base64_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
