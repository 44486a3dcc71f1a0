/* tfc: TensorFlow's workflow in plain C. Includes every public part. */
#ifndef TFC_TFC_H
#define TFC_TFC_H

#include "tfc/base.h"
#include "tfc/data.h"
#include "tfc/data_decode.h"
#include "tfc/data_parse.h"
#include "tfc/example.h"
#include "tfc/gfile.h"
#include "tfc/graph.h"
#include "tfc/layers.h"
#include "tfc/losses.h"
#include "tfc/metrics.h"
#include "tfc/optimizers.h"
#include "tfc/record.h"
#include "tfc/schedules.h"
#include "tfc/session.h"
#include "tfc/tensor.h"
#include "tfc/testing.h"
#include "tfc/train.h"
#include "tfc/variables.h"

#endif
