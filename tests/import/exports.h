/* Two functions: the fixture library exports the first, not the second. */
#include <stdint.h>
uint8_t fx_pass_u8(uint8_t x);
int fx_not_in_the_library(int x);
