"""Every magnitude of the glove simulator, with units in the names.

``SimulatorConfig`` is a frozen dataclass: one instance fixes the distribution of user
styles, the per-recording jitter, the sensor imperfections, the Earth field and the
numerics (fine grid, smoothing, IMU low-pass).  A ``(lo, hi)`` pair is a uniform range;
for signed imperfections (biases) the *magnitude* is drawn in ``(lo, hi)`` and the sign
at random, so every simulated sensor really has the stated error.

The whole config is written into a simulated data set's ``meta["config"]``
(``asdict``), so a file says how it was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class SimulatorConfig:
    # ------------------------------------------------------------------ user style
    # Angular size of the letter's LARGER extent (width or height), degrees.  Letters are
    # normalised to unit max extent (see kinematics.letter_path), so this is the angle
    # the fingertip sweeps for the letter's longest side.
    size_deg_range: tuple[float, float] = (15.0, 40.0)
    # Shear x += slant * y (letter units; 0.2 = about 11 deg italic).
    slant_range: tuple[float, float] = (-0.25, 0.25)
    # Speed factor = tablet duration / air duration.  DigiLeTs letters take 0.2-0.9 s on
    # the tablet (median 0.46 s); writing in the air with the whole arm is slower (median
    # about 0.7 s here).  Fingertip acceleration grows with speed^2 x size x lever.
    speed_range: tuple[float, float] = (0.45, 0.85)
    # ... but no letter is written faster than this in the air (fast tablet writers'
    # 0.2-0.3 s letters would need several g at the fingertip).
    min_duration_s_range: tuple[float, float] = (0.45, 0.65)
    # The peak fingertip acceleration a wearer is willing to produce (m/s^2, 1.5-3 g):
    # a letter that would need more is written more slowly, as far as the window allows.
    max_acc_mps2_range: tuple[float, float] = (15.0, 30.0)
    # Idle time before the finger starts moving, seconds.
    delay_s_range: tuple[float, float] = (0.0, 0.15)
    # Minimum idle tail at the end of the 1.185 s window, seconds (a letter that would
    # not fit is sped up; a short letter leaves a longer tail, the paper's "waiting").
    tail_s_range: tuple[float, float] = (0.02, 0.15)
    # Physiological tremor: band-limited angular noise, rms per axis in degrees (peaks are
    # 2-3x the rms, ~0.1-0.4 deg).  At 10 Hz an angle of theta rms shakes the fingertip
    # with L (2 pi 10 Hz)^2 theta: 0.1 deg at L = 0.4 m is already 2.8 m/s^2 rms, so
    # larger values would make tremor, not writing, dominate the accelerometer.
    tremor_rms_deg_range: tuple[float, float] = (0.03, 0.12)
    tremor_band_hz: tuple[float, float] = (8.0, 12.0)
    # Where the finger points: heading (yaw) anywhere, elevation and roll of the hand.
    heading_deg_range: tuple[float, float] = (-180.0, 180.0)
    pitch0_deg_range: tuple[float, float] = (-20.0, 20.0)
    roll0_deg_range: tuple[float, float] = (-10.0, 10.0)
    # roll = roll0 + roll_coupling * (horizontal deflection): a few degrees over a letter.
    roll_coupling_range: tuple[float, float] = (-0.15, 0.15)
    # Distance from the pivot (wrist / elbow / shoulder) to the fingertip sensor, metres.
    # The lever is drawn in this range but capped so that the letter's size AT THE
    # FINGERTIP (size angle x lever) stays below ``fingertip_size_m_max``: people write
    # letters of a comfortable physical size, so a whole-arm writer (long lever) uses a
    # small angle.  Without the cap a 40 deg letter on a 0.6 m lever (42 cm) written in
    # 0.7 s needs 4-6 g at the fingertip and saturates the +-4 g accelerometer.
    lever_m_range: tuple[float, float] = (0.25, 0.6)
    fingertip_size_m_max: float = 0.2

    # Pauses in the pen data (a slow pen-up hover, a stop mid-letter) are cut short: no
    # interval of the letter is slower than this fraction of its median speed.
    pause_speed_frac: float = 0.2

    # ------------------------------------------------------------------ per-recording jitter
    jitter_size_frac: float = 0.10  # size x U(1 - f, 1 + f)
    jitter_speed_frac: float = 0.15  # speed x U(1 - f, 1 + f)
    jitter_delay_s: float = 0.04  # delay + U(-d, d), clipped to delay_s_range
    jitter_slant: float = 0.05  # slant + U(-s, s)
    jitter_heading_deg: float = 5.0  # the hand does not come back to exactly the same place
    jitter_pitch_deg: float = 3.0

    # ------------------------------------------------------------------ sensor imperfections (per user)
    gyr_bias_dps_range: tuple[float, float] = (0.5, 2.0)  # magnitude per axis
    acc_bias_mps2_range: tuple[float, float] = (0.05, 0.2)  # magnitude per axis
    scale_error_frac_range: tuple[float, float] = (0.01, 0.03)  # |gain - 1| per axis, each sensor
    misalignment_deg_range: tuple[float, float] = (0.5, 1.0)  # small rotation, random axis, each sensor
    hard_iron_ut_max: float = 5.0  # per axis U(-max, max)
    # White noise, rms per output sample (drawn per user in these ranges).
    gyr_noise_dps_range: tuple[float, float] = (0.05, 0.1)
    acc_noise_mps2_range: tuple[float, float] = (0.02, 0.05)
    mag_noise_ut_range: tuple[float, float] = (0.3, 0.6)

    # ------------------------------------------------------------------ Earth field (NWU world)
    # m_world = B (cos I, 0, -sin I): north-pointing, dipping down by the inclination.
    mag_field_ut: float = 48.0
    mag_inclination_deg: float = 60.0

    # ------------------------------------------------------------------ numerics
    fine_rate_hz: float = 1000.0  # the physics is computed on this grid
    pad_s: float = 0.1  # grid margin before 0 and after the window (keeps filters off the edges)
    # Gaussian smoothing of the pen trajectory: an arm writing in the air is a slower
    # low-pass than fingers on a tablet, and the tablet's position steps must not become
    # acceleration spikes.  sigma 25 ms: gain 0.88 at 3 Hz, 0.6 at 6 Hz (the 27 Hz
    # sampling cannot carry more than 13.5 Hz anyway).
    smooth_sigma_s: float = 0.025
    # IMU low-pass before sampling: centred moving average over this many seconds (the
    # MPU-9250 DLPF at ~20 Hz bandwidth; centred, i.e. zero phase, so the true
    # orientation at a sample time matches the sample).  0 = instantaneous samples.
    imu_lowpass_s: float = 0.02

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


DEFAULT_CONFIG = SimulatorConfig()
