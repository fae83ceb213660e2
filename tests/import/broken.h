/* A header that does not parse. */
int ok(int x);
int broken(int x
struct missing_semicolon { int a; }
