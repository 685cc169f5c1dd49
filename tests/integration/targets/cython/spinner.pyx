# A Cython function whose time goes to its loop (test_native_cython_lines).
def spin(int n):
    cdef double total = 0
    cdef int i
    for i in range(n):
        total += i * 0.5                                # SPIN_LINE
    return total
