"""From a pen trajectory to the rigid-body motion of a fingertip writing in the air.

Conventions (shared with the float pipeline):

* world frame NWU (x north, y west, z up);
* a quaternion ``(w, x, y, z)`` rotates SENSOR -> WORLD, ``v_world = q v_sensor q*``
  (the Madgwick / ``ahrs`` convention);
* ZYX Euler angles: ``R = Rz(yaw) Ry(pitch) Rx(roll)``;
* the sensor x axis points along the finger.  The pipeline reads a letter as
  ``(x, y) = (-yaw, -pitch)``, so the finger writes with
  ``yaw = heading - A * x_letter(t)`` and ``pitch = pitch0 - A * y_letter(t)``
  (moving right turns the finger clockwise seen from above; moving up tips it up, and
  a positive rotation about +y tips the x axis down).

Steps (``letter_motion``):

1. ``letter_path``: the strokes joined in time order (no pen lift in the air: the
   tablet's time gap between strokes becomes the finger's travel), duplicate time
   stamps and stale repeated positions dropped, pauses cut short (no interval slower
   than 0.2 x the letter's median speed), centred on the bounding-box centre and scaled
   to UNIT MAX EXTENT (max(width, height) = 1), y up.  Unit max extent keeps wide
   letters (m, w) and tall ones (l, b) within the wearer's angular size.
2. Time placement in the 1.185 s window: idle for ``delay_s`` (plus the smoothing's
   3 sigma lead-in) at the first point; the letter time-scaled by ``speed`` (tablet
   duration / speed, at least the user's ``min_duration_s``; slowed down, as far as the
   window allows, when it would need more fingertip acceleration than the user's
   ``max_acc_mps2``; sped up if delay + letter + minimum tail would not fit); then
   resting at the last point until the window ends.
3. A shape-preserving cubic interpolant (``PchipInterpolator`` per axis, monotone in
   time) evaluated on a 1 kHz grid, slant ``x += slant * y``, then a Gaussian smoothing
   (sigma 25 ms) so that the second derivative (acceleration) is sane.
4. Angles: yaw/pitch as above, roll = roll0 + coupling * horizontal deflection; plus
   band-limited (8-12 Hz) tremor on each angle.
5. Derivatives on the grid (central differences): body angular rate from the ZYX
   kinematic relation, the fingertip ``p = L R e_x`` about a fixed pivot and its
   acceleration ``p''``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.ndimage import gaussian_filter1d

from ..data.digilets import PenLetter, join_strokes
from ..params import WINDOW_S
from .config import DEFAULT_CONFIG, SimulatorConfig
from .users import UserStyle


# ----------------------------------------------------------------------------- quaternions
def quat_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product p ⊗ q of (..., 4) arrays (w, x, y, z)."""
    pw, px, py, pz = np.moveaxis(np.asarray(p, dtype=np.float64), -1, 0)
    qw, qx, qy, qz = np.moveaxis(np.asarray(q, dtype=np.float64), -1, 0)
    return np.stack(
        [
            pw * qw - px * qx - py * qy - pz * qz,
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
        ],
        axis=-1,
    )


def quat_conj(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, dtype=np.float64)
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def euler_zyx_to_quat(yaw, pitch, roll) -> np.ndarray:
    """q = qz(yaw) ⊗ qy(pitch) ⊗ qx(roll), shape (..., 4), sensor -> world."""
    cy, sy = np.cos(np.asarray(yaw) / 2), np.sin(np.asarray(yaw) / 2)
    cp, sp = np.cos(np.asarray(pitch) / 2), np.sin(np.asarray(pitch) / 2)
    cr, sr = np.cos(np.asarray(roll) / 2), np.sin(np.asarray(roll) / 2)
    return np.stack(
        [
            cr * cp * cy + sr * sp * sy,
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
        ],
        axis=-1,
    )


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices R with v_world = R v_sensor."""
    q = np.asarray(q, dtype=np.float64)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )


def euler_zyx_to_matrix(yaw, pitch, roll) -> np.ndarray:
    """R = Rz(yaw) Ry(pitch) Rx(roll), shape (..., 3, 3)."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    return np.stack(
        [
            np.stack([cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr], axis=-1),
            np.stack([sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr], axis=-1),
            np.stack([-sp, cp * sr, cp * cr], axis=-1),
        ],
        axis=-2,
    )


def body_rate_zyx(yaw, pitch, roll, dyaw, dpitch, droll) -> np.ndarray:
    """Angular velocity in the BODY (sensor) frame from ZYX Euler angles and their rates.

    w_b = [roll' - yaw' sin(pitch),
           pitch' cos(roll) + yaw' sin(roll) cos(pitch),
          -pitch' sin(roll) + yaw' cos(roll) cos(pitch)]
    """
    sp, cp = np.sin(pitch), np.cos(pitch)
    sr, cr = np.sin(roll), np.cos(roll)
    return np.stack(
        [
            droll - dyaw * sp,
            dpitch * cr + dyaw * sr * cp,
            -dpitch * sr + dyaw * cr * cp,
        ],
        axis=-1,
    )


# ----------------------------------------------------------------------------- letter path
@dataclass(frozen=True)
class LetterPath:
    """A letter as one continuous path: strictly increasing ``t`` (s, from 0) and ``xy``
    centred on the bounding box, unit max extent, y up."""

    t: np.ndarray  # (n,)
    xy: np.ndarray  # (n, 2)
    label: str = ""

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0]) if len(self.t) else 0.0


def letter_path(letter: PenLetter, pause_speed_frac: float = DEFAULT_CONFIG.pause_speed_frac) -> LetterPath:
    xy = np.asarray(join_strokes(letter), dtype=np.float64)
    t = np.asarray(letter.t, dtype=np.float64)
    if len(xy) == 0:
        raise ValueError(f"letter {letter.source or letter.label!r} has no points")
    keep = np.ones(len(t), dtype=bool)
    keep[1:] = np.diff(t) > 0  # a repeated time stamp: keep the first point
    t, xy = t[keep] - t[0], xy[keep]
    # The tablet often reports a stale position for one more sample (the same x, y at
    # the next time stamp); a finger does not stop and jump, so such repeats are dropped
    # (the last point is kept: it fixes when the letter ends).
    keep = np.ones(len(t), dtype=bool)
    keep[1:] = np.any(np.diff(xy, axis=0) != 0, axis=1)
    keep[-1] = True
    t, xy = t[keep], xy[keep]
    if len(t) >= 3 and pause_speed_frac > 0:
        # Pauses (and slow pen-up hovers) are cut short: no interval may be slower than
        # pause_speed_frac x the letter's median speed, nor shorter than its median
        # sample interval.  A finger in the air, with a 1.2 s window, does not stop
        # mid-letter; without this a letter with a 1 s pause would have to squeeze its
        # real strokes into the rest of the window.
        d = np.hypot(*np.diff(xy, axis=0).T)
        dt = np.diff(t)
        v = d / dt
        v_min = pause_speed_frac * float(np.median(v))
        if v_min > 0:
            dt = np.minimum(dt, np.maximum(d / v_min, float(np.median(dt))))
            t = np.concatenate([[0.0], np.cumsum(dt)])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    extent = float(np.max(hi - lo))
    xy = (xy - (lo + hi) / 2) / (extent if extent > 1e-12 else 1.0)
    return LetterPath(t=t, xy=xy, label=letter.label)


# ----------------------------------------------------------------------------- motion
@dataclass
class Motion:
    """The fingertip's motion on the fine grid (all arrays share the first axis)."""

    t: np.ndarray  # (n,) s; the recording window is [0, WINDOW_S)
    pen_xy: np.ndarray  # (n, 2) letter units (centred, unit max extent, slanted), no tremor
    yaw: np.ndarray  # (n,) rad
    pitch: np.ndarray
    roll: np.ndarray
    q: np.ndarray  # (n, 4) sensor -> world
    omega_body: np.ndarray  # (n, 3) rad/s, sensor frame
    p_world: np.ndarray  # (n, 3) m, fingertip relative to the pivot
    a_world: np.ndarray  # (n, 3) m/s^2, fingertip acceleration
    lever_m: float
    start_s: float  # the letter's first point leaves at this time
    end_s: float  # ... and its last point is reached here
    speed: float  # effective speed factor (after fitting into the window)

    @property
    def dt(self) -> float:
        return float(self.t[1] - self.t[0])


def fine_grid(config: SimulatorConfig = DEFAULT_CONFIG) -> np.ndarray:
    dt = 1.0 / config.fine_rate_hz
    n_pad = int(round(config.pad_s / dt))
    n_win = int(np.ceil(WINDOW_S / dt))
    return (np.arange(-n_pad, n_win + n_pad + 1)) * dt


def band_noise(rng: np.random.Generator, n: int, dt: float, band_hz: tuple[float, float], rms: float, channels: int = 3) -> np.ndarray:
    """(n, channels) Gaussian noise band-limited to ``band_hz`` with exactly ``rms`` per channel."""
    white = rng.normal(size=(channels, n))
    if rms <= 0:
        return np.zeros((n, channels))
    spec = np.fft.rfft(white, axis=1)
    f = np.fft.rfftfreq(n, dt)
    spec[:, (f < band_hz[0]) | (f > band_hz[1])] = 0.0
    x = np.fft.irfft(spec, n=n, axis=1)
    x /= np.sqrt(np.mean(x * x, axis=1, keepdims=True))
    return (x * rms).T


def second_difference(x: np.ndarray, dt: float) -> np.ndarray:
    """Central second difference along axis 0, ends copied from their neighbours."""
    a = np.empty_like(x)
    a[1:-1] = (x[2:] - 2 * x[1:-1] + x[:-2]) / (dt * dt)
    a[0], a[-1] = a[1], a[-2]
    return a


def motion_from_angles(t: np.ndarray, yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray, lever_m: float) -> dict:
    """Quaternion, body rate, fingertip position and acceleration from angle tracks."""
    dt = float(t[1] - t[0])
    q = euler_zyx_to_quat(yaw, pitch, roll)
    dyaw, dpitch, droll = (np.gradient(a, dt) for a in (yaw, pitch, roll))
    omega = body_rate_zyx(yaw, pitch, roll, dyaw, dpitch, droll)
    cp = np.cos(pitch)
    # R e_x = first column of Rz Ry Rx
    p = lever_m * np.stack([cp * np.cos(yaw), cp * np.sin(yaw), -np.sin(pitch)], axis=-1)
    return {"q": q, "omega_body": omega, "p_world": p, "a_world": second_difference(p, dt)}


def window_room_s(style: UserStyle, config: SimulatorConfig = DEFAULT_CONFIG) -> float:
    """Time the letter may take: the window less the start delay, the smoothing's
    lead-in (3 sigma) and the minimum tail."""
    idle = max(0.0, float(style.delay_s)) + 3.0 * config.smooth_sigma_s + max(0.0, float(style.tail_s))
    return max(WINDOW_S - idle, 0.1)


def place_in_window(path: LetterPath, style: UserStyle, t: np.ndarray, config: SimulatorConfig = DEFAULT_CONFIG, air_s: float | None = None):
    """Pen position (letter units, slanted, smoothed) on grid ``t``; (xy, start, end, speed).

    The letter takes ``air_s`` seconds when given, else tablet duration / speed, at least
    ``style.min_duration_s``, at most the window's room.
    """
    dur = path.duration_s
    delay = max(0.0, float(style.delay_s))
    if air_s is None:
        air = dur / style.speed if style.speed > 0 else dur
        if dur > 0:
            air = max(air, float(style.min_duration_s))
    else:
        air = float(air_s)
    air = min(air, window_room_s(style, config))
    speed = dur / air if air > 0 else float(style.speed)
    # The smoothing below spreads the start over about +-3 sigma; the letter's first
    # point leaves 3 sigma after the delay, so the finger is still at rest at t = delay.
    start = delay + 3.0 * config.smooth_sigma_s
    if len(path.t) >= 2 and dur > 0:
        tau = np.clip((t - start) * speed, 0.0, dur)
        xy = np.stack([PchipInterpolator(path.t, path.xy[:, k])(tau) for k in (0, 1)], axis=-1)
    else:
        xy = np.repeat(path.xy[:1], len(t), axis=0)
    xy[:, 0] += style.slant * xy[:, 1]
    dt = float(t[1] - t[0])
    sigma = config.smooth_sigma_s / dt
    if sigma > 0:
        xy = gaussian_filter1d(xy, sigma, axis=0, mode="nearest")
    return xy, start, start + air, speed


def letter_motion(letter: PenLetter | LetterPath, style: UserStyle, rng: np.random.Generator, config: SimulatorConfig = DEFAULT_CONFIG) -> Motion:
    """The fingertip's motion on the fine grid while ``style`` writes ``letter``."""
    path = letter if isinstance(letter, LetterPath) else letter_path(letter, config.pause_speed_frac)
    t = fine_grid(config)
    dt = float(t[1] - t[0])
    a = np.deg2rad(style.size_deg)
    xy, start, end, speed = place_in_window(path, style, t, config)
    if style.max_acc_mps2 > 0:
        # A wearer slows down for a letter that would need more fingertip acceleration
        # than they produce (acceleration ~ 1 / duration^2), as far as the window allows.
        # Planning uses the small-angle fingertip path L * A * xy (no tremor).
        peak = style.lever_m * a * float(np.max(np.linalg.norm(second_difference(xy, dt), axis=1)))
        air, room = end - start, window_room_s(style, config)
        if peak > style.max_acc_mps2 and air < room - 1e-9:
            xy, start, end, speed = place_in_window(path, style, t, config, air_s=air * np.sqrt(peak / style.max_acc_mps2))
    tremor = band_noise(rng, len(t), dt, config.tremor_band_hz, np.deg2rad(style.tremor_rms_deg))
    yaw = np.deg2rad(style.heading_deg) - a * xy[:, 0] + tremor[:, 0]
    pitch = np.deg2rad(style.pitch0_deg) - a * xy[:, 1] + tremor[:, 1]
    roll = np.deg2rad(style.roll0_deg) + style.roll_coupling * a * xy[:, 0] + tremor[:, 2]
    m = motion_from_angles(t, yaw, pitch, roll, style.lever_m)
    return Motion(t=t, pen_xy=xy, yaw=yaw, pitch=pitch, roll=roll, lever_m=float(style.lever_m), start_s=start, end_s=end, speed=speed, **m)


__all__ = [
    "LetterPath",
    "Motion",
    "letter_path",
    "letter_motion",
    "place_in_window",
    "window_room_s",
    "motion_from_angles",
    "fine_grid",
    "band_noise",
    "body_rate_zyx",
    "euler_zyx_to_quat",
    "euler_zyx_to_matrix",
    "quat_to_matrix",
    "quat_mul",
    "quat_conj",
    "second_difference",
]
