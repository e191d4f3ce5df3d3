#!/bin/sh
# Stand-in for llama.cpp's llama-bench in tests (CI has no llama.cpp). It accepts the options
# `steer4j bench --against` passes (-m FILE -t N -r N -o json|md -p LIST -n LIST) and prints a report in
# llama-bench's shape (fields as llama-bench.cpp's test::get_fields and json_printer write them).
# Figures are fixed so that a test can check them: ppN = 1000 + N tok/s, tgN = 50 + N tok/s.
model=""; threads=4; reps=5; fmt=md; prompts=512; gens=128
while [ $# -gt 0 ]; do
  case "$1" in
    -m) model="$2"; shift 2 ;;
    -t) threads="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    -o) fmt="$2"; shift 2 ;;
    -p) prompts="$2"; shift 2 ;;
    -n) gens="$2"; shift 2 ;;
    *) echo "error: unknown argument: $1" >&2; exit 1 ;;
  esac
done
tests=""
for p in $(echo "$prompts" | tr ',' ' '); do [ "$p" -gt 0 ] && tests="$tests $p:0"; done
for g in $(echo "$gens" | tr ',' ' '); do [ "$g" -gt 0 ] && tests="$tests 0:$g"; done
if [ "$fmt" = md ]; then
  echo "| model                          |       size |     params | backend    | threads |          test |                  t/s |"
  echo "| ------------------------------ | ---------: | ---------: | ---------- | ------: | ------------: | -------------------: |"
  for t in $tests; do
    p=${t%%:*}; g=${t##*:}
    if [ "$p" -gt 0 ]; then name="pp$p"; ts=$((1000 + p)); else name="tg$g"; ts=$((50 + g)); fi
    echo "| llama 1B Q8_0                  |   1.22 GiB |     1.24 B | CPU        |       $threads |         $name |   $ts.00 ± 0.00 |"
  done
  echo ""
  echo "build: 0000000 (1)"
  exit 0
fi
echo "["
first=1
for t in $tests; do
  p=${t%%:*}; g=${t##*:}
  if [ "$p" -gt 0 ]; then ts=$((1000 + p)); n=$p; else ts=$((50 + g)); n=$g; fi
  ns=$((n * 1000000000 / ts))
  samples_ns=""; samples_ts=""; i=0
  while [ $i -lt "$reps" ]; do
    samples_ns="$samples_ns${samples_ns:+, }$ns"; samples_ts="$samples_ts${samples_ts:+, }$ts"; i=$((i + 1))
  done
  [ $first -eq 1 ] || echo ","
  first=0
  cat <<JSON
  {
    "build_commit": "fake000",
    "build_number": 1,
    "cpu_info": "Stand-in CPU",
    "gpu_info": "",
    "backends": "CPU",
    "model_filename": "$model",
    "model_type": "llama 1B Q8_0",
    "model_size": 1313251456,
    "model_n_params": 1235814432,
    "n_batch": 2048,
    "n_ubatch": 512,
    "n_threads": $threads,
    "cpu_mask": "0x0",
    "cpu_strict": false,
    "poll": 50,
    "type_k": "f16",
    "type_v": "f16",
    "n_gpu_layers": 99,
    "split_mode": "layer",
    "main_gpu": 0,
    "no_kv_offload": false,
    "flash_attn": false,
    "tensor_split": "0.00",
    "use_mmap": true,
    "embeddings": false,
    "n_prompt": $p,
    "n_gen": $g,
    "test_time": "2026-12-02T16:00:00Z",
    "avg_ns": $ns,
    "stddev_ns": 0,
    "avg_ts": $ts.000000,
    "stddev_ts": 0.000000,
    "samples_ns": [ $samples_ns ],
    "samples_ts": [ $samples_ts ]
  }
JSON
done
echo ""
echo "]"
