#!/usr/bin/env python3
"""How much micro-batching can gain on a quiet CPU (bench/scorer.md; run on the lent machine).

The scorer's load test runs on a shared 2-core box whose other tenants make wall-clock throughput
depend on how many threads a process runs. This times ONNX Runtime alone on the exported R50x1
graph (models/r50x1: graph.onnx + weights.size from org.mos.bench.device.ExternalizeWeights,
weights refilled with seeded random values by ort_cuda_check.fill_weights), images/s at batch 1,
8 and 16 and two concurrent batch-1 runs (micro-batching off), at 128 and 224 px: pinned to CPUs
0-1 with 2 intra-op threads (the scorer's default on a 2-core machine) and with 1, and on all
cores. One JSON line per setting. From bench/device (the run on 2026-11-27 sent this same code
inline; output in results/2026-11-27-h200-scorer-batch.txt):

  cd bench/device && python3 scorer_batch_check.py
"""
import json,os,threading,time,sys
import onnxruntime as ort
from ort_cuda_check import fill_weights,pattern
F="models/r50x1";fill_weights(F)
def S(t):
 o=ort.SessionOptions();o.intra_op_num_threads=t;o.inter_op_num_threads=1;o.log_severity_level=3
 return ort.InferenceSession(F+"/graph.onnx",o,providers=["CPUExecutionProvider"])
def ips(s,z,b,sec=5):
 x=pattern(b,z);s.run(["logits"],{"input":x});n=0;t0=time.perf_counter()
 while time.perf_counter()-t0<sec:s.run(["logits"],{"input":x});n+=1
 return n*b/(time.perf_counter()-t0)
def conc(s,z,k=2,sec=5):
 x=pattern(1,z);c=[0]*k;end=time.perf_counter()+sec
 def w(i):
  while time.perf_counter()<end:s.run(["logits"],{"input":x});c[i]+=1
 T=[threading.Thread(target=w,args=(i,)) for i in range(k)];t0=time.perf_counter()
 [t.start() for t in T];[t.join() for t in T];return sum(c)/(time.perf_counter()-t0)
print("ort",ort.__version__,"cpus",os.cpu_count())
for cores,th in (({0,1},2),({0,1},1),(set(range(os.cpu_count())),0)):
 os.sched_setaffinity(0,cores);s=S(th)
 for z in (128,224):
  r={"cores":len(cores),"threads":th,"size":z}
  for b in (1,8,16):r["b%d"%b]=round(ips(s,z,b),2)
  r["two_conc_b1"]=round(conc(s,z),2);r["gain16"]=round(r["b16"]/r["b1"],2);print(json.dumps(r))
