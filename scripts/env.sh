# Sourced by the scripts in this folder: the shared build environment.
# - CARGO_TARGET_DIR outside the clone, so every clone on a machine (and CI) reuses compiled
#   dependencies (Bevy and tch take a long time to build);
# - the libtorch virtualenv made by setup-torch.sh (tch finds torch through it).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/priors/target}"
export PRIORS_VENV="${PRIORS_VENV:-$HOME/.cache/priors/venv}"
export LIBTORCH_USE_PYTORCH=1
export VIRTUAL_ENV="$PRIORS_VENV"
export PATH="$PRIORS_VENV/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Python with pandas (reader tests) and the BIDS validator (export test), set up by setup-python.sh.
export PRIORS_PYTHON="${PRIORS_PYTHON:-$PRIORS_VENV/bin/python}"
export PRIORS_BIDS_VALIDATOR="${PRIORS_BIDS_VALIDATOR:-$HOME/.cache/priors/bids/node_modules/.bin/bids-validator}"
