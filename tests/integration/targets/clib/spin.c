/* A C library whose debug information is in a separate file beside it
 * (test_native_debuglink): spin() is found by its line. */
static double inner(int n)
{
	volatile double total = 0;

	for (int i = 0; i < n; i++)
		total += i * 0.5;                               /* SPIN_LINE */
	return total;
}

double spin(int n)
{
	return inner(n);
}
