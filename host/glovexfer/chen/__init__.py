"""The Chen et al. (2021) IMU-pen data set as a second, real target domain (issue 7).

* :mod:`glovexfer.chen.represent` -- pen recordings -> 2D trajectories that look like DigiLeTs
  pen paths (the domain-alignment choices), cleaned with the glove pipeline's stages;
* :mod:`glovexfer.chen.protocols` -- leave-one-writer-out, the authors' random and
  subject splits, settings target-only / source-only / transfer / best, run fold by fold
  (``glovexfer evaluate --domain chen2021``);
* :mod:`glovexfer.chen.shipping` -- the shipped real-data models (``glovexfer train/export
  --domain chen2021``);
* :mod:`glovexfer.chen.counts` -- real recordings as the firmware's int16 input (parity vectors).
"""
