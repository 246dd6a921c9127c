"""What is specific to the Chen et al. (2021) IMU-pen data set, the real target domain.

* :mod:`glovexfer.chen.represent` -- pen recordings -> 2D trajectories that look like DigiLeTs
  pen paths (the domain-alignment choices), cleaned with the glove pipeline's stages;
* :mod:`glovexfer.chen.counts` -- real recordings as the firmware's int16 input (parity vectors).

Its protocols and shipped models go through the same code as the glove domain's
(:mod:`glovexfer.nets.chen2021`, :mod:`glovexfer.nets.chen2021_shipping`,
:mod:`glovexfer.export.chen2021`; ``glovexfer train/evaluate/export --domain chen2021``).
"""
