"""Draws tests/gold/dev3/selection.txt (run from the repository root)."""
import json, os, random
from pathlib import Path
excl=set()
for p in ["tests/gold/selection.txt","tests/gold/heldout/selection.txt","tests/gold/dev2/selection.txt"]:
    for l in Path(p).read_text().splitlines():
        l=l.strip()
        if l and not l.startswith("#"): excl.add(l.split()[0])
kw="قصف غارة غارات اشتباك اشتباكات هجوم تفجير انفجار مفخخة عبوة قتلى قتل مقتل اعتقال اختطاف مظاهرة تظاهرة احتجاج سيطرة انسحاب اتفاق".split()
sy=[];iq=[]
for line in open(Path(os.environ.get("RASD_SHARED", "../shared")) / "data/corpus/dev.jsonl"):
    a=json.loads(line)
    if a["id"] in excl: continue
    t=(a.get("title") or "")+" "+a["text"]
    head=(a.get("title") or "")+" "+a["text"][:600]
    if not any(k in head for k in kw): continue
    h3=(a.get("title") or "")+" "+a["text"][:300]
    s=h3.count("سوري")+h3.count("دمشق"); i=h3.count("عراق")+h3.count("بغداد")
    if s>i: sy.append(a["id"])
    elif i>s: iq.append(a["id"])
rng=random.Random(20261128); rng.shuffle(sy); rng.shuffle(iq)
print(len(excl),len(sy),len(iq))
sel=sy[:26]+iq[:14]
print("\n".join(sel))
