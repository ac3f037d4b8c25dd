# Grades runs-70300e34-lesions against PREDICTIONS-70300e34-lesions.md (b9ee95d's cells as the baseline).
# Usage: python3 grade-70300e34-lesions.py runs-70300e34-lesions  (from this folder)
import json,glob,csv,sys
import os
R=os.path.dirname(os.path.abspath(__file__))
def load(d):
    r={}
    for f in glob.glob(d+'/*/*/summary.json'):
        k=f.split('/')[-3]; L,c,a,s=k.split('__')
        e=glob.glob(f.rsplit('/',1)[0]+'/episodes.csv')[0]
        dd=sum(int(x['deaths']) for x in csv.DictReader(open(e)))
        r[(L,c,a.replace('priors-',''))]=(json.load(open(f))['steps_to_first_completion'],dd)
    return r
B=load(R+'/runs-b9ee95d-lesions'); N=load(sys.argv[1])
plain={'original','masked-semantics','reverse-semantics','changed-ladder','rotated-gravity','reversed-keys'}
held=0; out=[]
for k in sorted(N):
    L,c,a=k; b,bd=B[k]; n,nd=N[k]
    if L=='princess':
        if b is None: ok = n is None; pred='censored'
        elif (L,c,a)==('princess','masked-affordances','similarity'): ok=True; pred='finished or censored'
        elif c=='masked-similarity': ok=True; pred='anything'
        elif c in plain or bd==0: ok = n is not None and 0.9*b<=n<=b; pred=f'{b} (or up to 10% fewer)'
        else: ok = n is not None and 0.9*b<=n<=b; pred=f'{b} or up to 10% fewer'
    else:
        if b is None:
            if c in ('masked-object-identity','masked-semantics','reverse-semantics') and a=='similarity': ok=True; pred='censored or finished'
            else: ok = n is None; pred='censored'
        elif bd<=2: ok = n==b; pred=f'{b}'
        else: ok = n is not None and n<=1.25*b; pred=f'<= {1.25*b:.0f}'
    held+=ok
    if not ok or n!=b: out.append(f"{'MISS' if not ok else 'held'} {L}/{c} x {a}: b9ee95d {b} ({bd}), predicted {pred}, got {n} ({nd})")
print('\n'.join(out)); print('cells',len(N),'held',held,'missed',len(N)-held)
