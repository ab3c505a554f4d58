/*
 * Exact hypervolume (see hypervolume.h).
 */
#include "hypervolume.h"

#include <math.h>
#include <string.h>

intptr_t bbopt_hypervolume_work_size(intptr_t n, intptr_t m) {
    intptr_t levels = m > 3 ? m - 3 : 0;
    return n * m * (levels + 2) + 1;
}

/* Stable bottom-up merge sort of n rows of width m by column `key`,
 * ascending (descending with `descending`), through `tmp` (n * m). */
static void sort_rows(double *rows, intptr_t n, intptr_t m, intptr_t key,
                      int descending, double *tmp) {
    double *src = rows, *dst = tmp;
    for (intptr_t width = 1; width < n; width *= 2) {
        for (intptr_t lo = 0; lo < n; lo += 2 * width) {
            intptr_t mid = lo + width < n ? lo + width : n;
            intptr_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            intptr_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                double a = src[i * m + key], b = src[j * m + key];
                int take_right = descending ? (b > a) : (b < a);
                const double *from = take_right ? &src[(j++) * m] : &src[(i++) * m];
                memcpy(&dst[(k++) * m], from, (size_t)m * sizeof(double));
            }
            if (i < mid)
                memcpy(&dst[k * m], &src[i * m], (size_t)((mid - i) * m) * sizeof(double));
            else if (j < hi)
                memcpy(&dst[k * m], &src[j * m], (size_t)((hi - j) * m) * sizeof(double));
        }
        double *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != rows)
        memcpy(rows, src, (size_t)(n * m) * sizeof(double));
}

/* Two objectives: rows (x, y, ...) of width m, sorted here by x. */
static double hv2(double *rows, intptr_t n, intptr_t m, const double *ref, double *tmp) {
    sort_rows(rows, n, m, 0, 0, tmp);
    double volume = 0.0, top = ref[1];
    for (intptr_t i = 0; i < n; ++i) {
        double x = rows[i * m], y = rows[i * m + 1];
        if (y < top) {
            volume += (ref[0] - x) * (top - y);
            top = y;
        }
    }
    return volume;
}

/* Three objectives: rows (x, y, z, ...) of width m, sorted here by z; the
 * staircase (x ascending, y descending) lives in `stair` (2 * n doubles). */
static double hv3(double *rows, intptr_t n, intptr_t m, const double *ref, double *stair) {
    sort_rows(rows, n, m, 2, 0, stair);
    intptr_t size = 0;
    double area = 0.0, volume = 0.0;
    for (intptr_t i = 0; i < n; ++i) {
        double x = rows[i * m], y = rows[i * m + 1], z = rows[i * m + 2];
        /* first staircase point with sx > x */
        intptr_t lo = 0, hi = size;
        while (lo < hi) {
            intptr_t mid = (lo + hi) / 2;
            if (stair[2 * mid] <= x) lo = mid + 1; else hi = mid;
        }
        double upper = lo > 0 ? stair[2 * (lo - 1) + 1] : ref[1];
        if (upper > y) { /* not dominated: add its exclusive area */
            double cur_x = x;
            intptr_t end = lo;
            while (end < size && stair[2 * end + 1] >= y) { /* dominated by (x, y) */
                area += (stair[2 * end] - cur_x) * (upper - y);
                upper = stair[2 * end + 1];
                cur_x = stair[2 * end];
                ++end;
            }
            double next_x = end < size ? stair[2 * end] : ref[0];
            area += (next_x - cur_x) * (upper - y);
            /* replace stair[lo:end] by (x, y) */
            intptr_t removed = end - lo;
            if (removed != 1)
                memmove(&stair[2 * (lo + 1)], &stair[2 * end],
                        (size_t)(2 * (size - end)) * sizeof(double));
            stair[2 * lo] = x;
            stair[2 * lo + 1] = y;
            size += 1 - removed;
        }
        double next_z = i + 1 < n ? rows[(i + 1) * m + 2] : ref[2];
        volume += area * (next_z - z);
    }
    return volume;
}

/* Keep the rows (first k of width m, objectives 0..d-1) that no other row
 * weakly dominates (duplicates keep one copy); returns the new count. */
static intptr_t nondominated(double *rows, intptr_t k, intptr_t m, intptr_t d) {
    intptr_t kept = 0;
    for (intptr_t i = 0; i < k; ++i) {
        const double *p = &rows[i * m];
        int dominated = 0;
        for (intptr_t j = 0; j < k && !dominated; ++j) {
            if (j == i) continue;
            const double *q = &rows[j * m];
            int le = 1, lt = 0;
            for (intptr_t t = 0; t < d; ++t) {
                if (q[t] > p[t]) { le = 0; break; }
                if (q[t] < p[t]) lt = 1;
            }
            /* equal rows: the later one goes */
            dominated = le && (lt || j < i);
        }
        if (!dominated) {
            if (kept != i) memmove(&rows[kept * m], p, (size_t)m * sizeof(double));
            ++kept;
        }
    }
    return kept;
}

/* Hypervolume of k rows in the first d objectives (rows modified). `work`
 * holds k * m doubles per level below d = 3 plus k * m for sorting. */
static double hv_rec(double *rows, intptr_t k, intptr_t m, intptr_t d,
                     const double *ref, double *work) {
    if (k == 0) return 0.0;
    if (d == 1) {
        double best = rows[0];
        for (intptr_t i = 1; i < k; ++i) if (rows[i * m] < best) best = rows[i * m];
        return ref[0] - best;
    }
    if (d == 2) return hv2(rows, k, m, ref, work);
    if (d == 3) return hv3(rows, k, m, ref, work);
    /* WFG: sort by the last objective, worst first; the points after i are
     * no worse than i in it, so i's limit set lies in one slice of depth
     * ref[d-1] - p_i[d-1], and is (d - 1)-dimensional. */
    sort_rows(rows, k, m, d - 1, 1, work);
    double *limit = work;
    double *below = work + k * m;
    double volume = 0.0;
    for (intptr_t i = 0; i < k; ++i) {
        const double *p = &rows[i * m];
        double incl = 1.0;
        for (intptr_t t = 0; t < d - 1; ++t) incl *= ref[t] - p[t];
        intptr_t n_limit = 0;
        for (intptr_t j = i + 1; j < k; ++j) {
            const double *q = &rows[j * m];
            double *l = &limit[n_limit * m];
            for (intptr_t t = 0; t < d - 1; ++t) l[t] = q[t] > p[t] ? q[t] : p[t];
            ++n_limit;
        }
        n_limit = nondominated(limit, n_limit, m, d - 1);
        double excl = incl - hv_rec(limit, n_limit, m, d - 1, ref, below);
        volume += excl * (ref[d - 1] - p[d - 1]);
    }
    return volume;
}

int bbopt_hypervolume(intptr_t n, intptr_t m, const double *points,
                      const double *reference, double *work, intptr_t n_work,
                      double *out) {
    if (n < 0 || m < 1 || n_work < bbopt_hypervolume_work_size(n, m))
        return BBOPT_ERR_SIZE;
    for (intptr_t t = 0; t < m; ++t)
        if (isnan(reference[t])) return BBOPT_ERR_NAN;
    for (intptr_t i = 0; i < n * m; ++i)
        if (isnan(points[i])) return BBOPT_ERR_NAN;
    /* the points that strictly dominate the reference */
    double *rows = work;
    intptr_t k = 0;
    for (intptr_t i = 0; i < n; ++i) {
        const double *p = &points[i * m];
        int inside = 1;
        for (intptr_t t = 0; t < m; ++t)
            if (!(p[t] < reference[t])) { inside = 0; break; }
        if (inside) memcpy(&rows[(k++) * m], p, (size_t)m * sizeof(double));
    }
    if (m >= 4) k = nondominated(rows, k, m, m);
    *out = hv_rec(rows, k, m, m, reference, work + n * m);
    return BBOPT_OK;
}
