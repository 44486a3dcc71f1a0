/* tfc testing: TensorFlow's tf.test helpers for C tests — closeness checks that say where and by
 * how much two tensors differ, and truthful build/device introspection.
 *
 *     if (tfc_assert_all_close(got, want, 1e-6, 1e-6, &st) != TFC_OK) fail(st.msg);
 *
 * and tf.test.compute_gradient_error: symbolic gradients (tfc_gradients) against central finite
 * differences. */
#ifndef TFC_TESTING_H
#define TFC_TESTING_H

#include <stdbool.h>

#include "tfc/base.h"
#include "tfc/graph.h"
#include "tfc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TF's assertAllClose: same shape, and for every element |a - b| <= atol + rtol * |b| (NaN equals
 * NaN; +-inf must match exactly). Numeric dtypes (float, double, half, bfloat16 and the integers)
 * compare as doubles; bool and string tensors must be equal. OK, or INVALID_ARGUMENT with a message
 * naming the shapes or dtypes that differ, or how many elements differ and the first few with
 * their indices, values, difference and tolerance, e.g.
 *   "not all close (rtol=1e-06, atol=1e-06): 2 of 6 elements differ; [0,2]: 1.5 vs 1.7
 *    (diff 0.2 > 1.70e-06); [1,0]: ..." */
tfc_code tfc_assert_all_close(const tfc_tensor *a, const tfc_tensor *b, double rtol, double atol,
                              tfc_status *st);

/* TF's compute_gradient_error: the largest absolute difference between the Jacobian of y with
 * respect to x built by tfc_gradients (fed one-hot output gradients, one run per element of y) and
 * the one measured by central differences (x +- delta, two runs per element of x), both at
 * x = x_value. x must be feedable (usually a placeholder); float or double. Adds the gradient
 * nodes to g. Meant for small tensors: it runs the graph 2 * |x| + |y| times. */
tfc_code tfc_compute_gradient_error(tfc_graph *g, tfc_out x, const tfc_tensor *x_value, tfc_out y,
                                    double delta, double *max_error, tfc_status *st);

/* tf.test.is_built_with_cuda(): whether this library was compiled with CUDA kernels (false in a
 * CPU build, which is every build so far). */
bool tfc_is_built_with_cuda(void);
/* tf.test.is_gpu_available(): whether a GPU can run tfc's kernels now (false without CUDA). */
bool tfc_is_gpu_available(void);

/* tf.config.list_physical_devices / device_lib.list_local_devices. */
typedef struct tfc_device_info {
    char name[64];        /* "/device:CPU:0" */
    char device_type[16]; /* "CPU" */
    int num_threads;      /* what the thread pool would use (TFC_NUM_THREADS or the cores) */
} tfc_device_info;
/* Fills up to max devices; returns how many there are. */
int tfc_list_devices(tfc_device_info *out, int max);

#ifdef __cplusplus
}
#endif
#endif
