// Board layer of the real glove: ESP32 (esp32dev) or ESP32-C3 with an MPU-9250 on I2C,
// Arduino framework (PlatformIO, platformio.ini). The only ESP32-specific file besides
// firmware/src/main.cpp: PlatformIO's toolchains cannot be installed on the CI machines;
// everything it calls (mpu9250.cpp, the app, the core) is compiled and tested there for
// Cortex-M4F and RV32IMC (docs/hardware.md).
//
//  * serial: the USB UART (Serial, 115200 8N1), the protocol of docs/serial-protocol.md;
//  * IMU: MPU-9250 at 0x68 (AD0 low) on SDA/SCL (defaults below, override with -D), 400 kHz;
//  * sampling: an esp_timer fires every 1/27 s (the data format's rate) and reads one sample
//    into a 32-sample ring in the timer task; gx_board_imu_read pops them in order, so the
//    ticks that arrive while the loop recognises a letter are kept; a full ring or a failed
//    I2C read is an ERR E_IMU line;
//  * capture: the button (active low, the boards' BOOT button by default) types "start" on
//    the app's serial input between two host lines, opening a 32-sample letter window;
//    "auto on" from the host opens windows on motion instead.
// Built host-natively against fakes of the Arduino calls (fake/, tests/test_esp32_board.py)
// and for the ESP32's Xtensa ISA against stand-in headers (tests/test_cross_esp32.py).
#include <Arduino.h>
#include <Preferences.h>
#include <Wire.h>

#include "board.h"
#include "esp_timer.h"
#include "mpu9250.h"

#if defined(CONFIG_IDF_TARGET_ESP32C3)
#define GX_BOARD_NAME_STR "esp32c3"
// GPIO 5/6 for I2C: not strapping pins (2, 8, 9 are), free on the DevKitM-1
#ifndef GX_PIN_SDA
#define GX_PIN_SDA 5
#endif
#ifndef GX_PIN_SCL
#define GX_PIN_SCL 6
#endif
#ifndef GX_PIN_BUTTON
#define GX_PIN_BUTTON 9  // BOOT button on ESP32-C3 DevKitM-1
#endif
#else
#define GX_BOARD_NAME_STR "esp32"
#ifndef GX_PIN_SDA
#define GX_PIN_SDA 21
#endif
#ifndef GX_PIN_SCL
#define GX_PIN_SCL 22
#endif
#ifndef GX_PIN_BUTTON
#define GX_PIN_BUTTON 0  // BOOT button on ESP32 DevKitC
#endif
#endif

namespace {

constexpr uint32_t kBaud = 115200;
// The loop reads no serial input while it recognises a letter (tens to hundreds of ms) and a
// replay line is up to kGxMaxLine (1200) bytes: the core's default receive buffer (256 bytes)
// would overflow and lose the middle of such a line. 4096 bytes hold 355 ms of input at
// 115200 baud 8N1, more than three replay lines.
constexpr size_t kRxBufferBytes = 4096;
constexpr uint32_t kI2cHz = 400000;
constexpr uint32_t kSampleHz = 27;
constexpr uint64_t kSamplePeriodUs = 1000000u / kSampleHz;  // 37037 us
// A button level counts once it has held this long: contact bounce (a few ms) and glitches
// are ignored, a press (100 ms or more) is not.
constexpr uint32_t kDebounceMs = 30;
constexpr char kStartLine[] = "start\n";
constexpr int kStartLen = sizeof kStartLine - 1;
// Samples the timer task reads while the loop is busy (a recognition): 1.19 s of them.
constexpr uint32_t kRingSamples = 32;

esp_timer_handle_t g_timer = nullptr;
gx::GxMpu9250 g_imu;
bool g_imu_ok = false;
Preferences g_nvs;  // the settings store (gx_board_settings_*): NVS namespace "glovexfer"
bool g_nvs_ok = false;
constexpr char kNvsNamespace[] = "glovexfer";
// NVS keys of the settings records (GxSettingsKey order); "settings" is the sensor
// calibration's key since before the letter calibration had one.
const char* const kNvsKeys[gx::kGxSettingsKeys] = {"settings", "lettercal"};

// Single-producer single-consumer ring of IMU samples: the timer task reads the IMU on every
// tick and pushes (g_head); the loop pops (g_tail). Free-running indices, head - tail = fill.
// Each counter has one writer and is an aligned 32-bit word (a single load or store on both
// chips); the fences order the sample data against the index that publishes it (the ESP32's
// two cores; the C3 has no atomic instructions, and needs none for this).
int16_t g_ring[kRingSamples][9];
volatile uint32_t g_head = 0;           // written by the timer task only
volatile uint32_t g_tail = 0;           // written by the loop only
volatile uint32_t g_dropped = 0;        // timer task: ticks lost because the ring was full
volatile uint32_t g_read_failures = 0;  // timer task: ticks whose I2C read failed
volatile bool g_failing = false;        // timer task: the last read failed
uint32_t g_dropped_reported = 0;   // loop: g_dropped already reported
uint32_t g_failures_reported = 0;  // loop: g_read_failures already seen
bool g_failure_reported = false;   // loop: the current run of I2C failures is reported

int g_inject = kStartLen;  // next byte of kStartLine to hand out (kStartLen: none pending)
bool g_host_mid_line = false;  // the last host byte handed to the app was not a newline
bool g_button_raw = false;      // the level last read (true: pressed)
uint32_t g_button_raw_ms = 0;   // when it last changed
bool g_button_down = false;     // the debounced state

bool i2c_write(void*, uint8_t dev, uint8_t reg, uint8_t value) {
    Wire.beginTransmission(dev);
    Wire.write(reg);
    Wire.write(value);
    return Wire.endTransmission() == 0;
}

bool i2c_read(void*, uint8_t dev, uint8_t reg, uint8_t* buf, int n) {
    Wire.beginTransmission(dev);
    Wire.write(reg);
    if (Wire.endTransmission(false) != 0) return false;  // repeated start
    const size_t want = static_cast<size_t>(n);
    if (Wire.requestFrom(dev, want) != want) return false;
    for (int i = 0; i < n; ++i) buf[i] = static_cast<uint8_t>(Wire.read());
    return true;
}

void i2c_delay(void*, uint32_t ms) { delay(ms); }

// The esp_timer task, every 1/27 s: one sample into the ring, read now so that its time is
// the tick's even when the loop is late.
void on_tick(void*) {
    const uint32_t head = g_head;
    const uint32_t tail = g_tail;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);  // the loop is done with the slot it released
    if (head - tail >= kRingSamples) {
        g_dropped = g_dropped + 1;
        return;
    }
    if (!gx::gx_mpu9250_read(&g_imu, g_ring[head % kRingSamples])) {
        g_read_failures = g_read_failures + 1;
        g_failing = true;
        return;
    }
    g_failing = false;
    __atomic_thread_fence(__ATOMIC_RELEASE);  // the sample before the index that publishes it
    g_head = head + 1;
}

void print_uint(uint32_t v) {
    char tmp[11];
    int n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    char out[11];
    for (int i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    Serial.write(reinterpret_cast<const uint8_t*>(out), static_cast<size_t>(n));
}

// Error lines for what the timer task saw since the last call. Called from the loop between
// the app's lines (gx_board_imu_read), never from the timer task, so that they cannot split
// a line the app is writing.
void report_imu_events() {
    const uint32_t dropped = g_dropped;
    if (dropped != g_dropped_reported) {
        Serial.print("ERR E_IMU \"");
        print_uint(dropped - g_dropped_reported);
        Serial.print(" IMU samples dropped: the loop fell behind the 27 Hz timer\"\n");
        g_dropped_reported = dropped;
    }
    // one line per run of failed reads (a run that ended between two calls included)
    const uint32_t failures = g_read_failures;
    const bool failing = g_failing;
    if (failures != g_failures_reported && !g_failure_reported)
        Serial.print("ERR E_IMU \"MPU-9250 read failed on I2C: samples are missing until it answers again\"\n");
    g_failures_reported = failures;
    g_failure_reported = failing;
}

void poll_button() {
    const bool raw = digitalRead(GX_PIN_BUTTON) == LOW;
    const uint32_t now = millis();
    if (raw != g_button_raw) {
        g_button_raw = raw;
        g_button_raw_ms = now;
    } else if (raw != g_button_down && now - g_button_raw_ms >= kDebounceMs) {
        g_button_down = raw;
        if (raw && g_inject == kStartLen) g_inject = 0;  // press: type "start"
    }
}

}  // namespace

namespace gx {

void gx_board_init() {
    Serial.setRxBufferSize(kRxBufferBytes);  // before begin(), as the core requires
    Serial.begin(kBaud);
    g_nvs_ok = g_nvs.begin(kNvsNamespace, false);
    pinMode(GX_PIN_BUTTON, INPUT_PULLUP);
    Wire.begin(GX_PIN_SDA, GX_PIN_SCL, kI2cHz);
    const GxI2cBus bus{i2c_write, i2c_read, i2c_delay, nullptr};
    const int st = gx_mpu9250_init(&g_imu, bus, kMpuAddr);
    g_imu_ok = st == GX_MPU_OK || st == GX_MPU_NO_MAG;
    if (!g_imu_ok) {
        Serial.print("ERR E_IMU \"MPU-9250 not found on I2C (check wiring, docs/hardware.md)\"\n");
        return;  // no timer: recognitions only from replay / s lines
    }
    if (st == GX_MPU_NO_MAG) Serial.print("ERR E_IMU \"AK8963 magnetometer not found: 6-axis\"\n");
    const esp_timer_create_args_t args = {on_tick, nullptr, ESP_TIMER_TASK, "gx27hz", false};
    if (esp_timer_create(&args, &g_timer) != ESP_OK || esp_timer_start_periodic(g_timer, kSamplePeriodUs) != ESP_OK)
        Serial.print("ERR E_IMU \"could not start the 27 Hz sampling timer\"\n");
}

uint32_t gx_board_millis() { return millis(); }

// Host bytes, with the button's "start" line typed in between two host lines: a press while
// a host line is half received waits for that line's newline, so that neither line is cut.
int gx_board_serial_read(uint8_t* buf, int max) {
    poll_button();
    int n = 0;
    while (n < max) {
        if (g_inject < kStartLen && !g_host_mid_line) {
            buf[n++] = static_cast<uint8_t>(kStartLine[g_inject++]);
            continue;
        }
        if (Serial.available() <= 0) break;
        const int c = Serial.read();
        if (c < 0) break;
        buf[n++] = static_cast<uint8_t>(c);
        g_host_mid_line = c != '\n';
    }
    return n;
}

void gx_board_serial_write(const char* s, int n) {
    Serial.write(reinterpret_cast<const uint8_t*>(s), static_cast<size_t>(n));
}

bool gx_board_imu_read(int16_t counts[9]) {
    if (!g_imu_ok) return false;
    report_imu_events();
    const uint32_t tail = g_tail;
    if (g_head == tail) return false;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);  // the sample after the index that published it
    for (int k = 0; k < 9; ++k) counts[k] = g_ring[tail % kRingSamples][k];
    __atomic_thread_fence(__ATOMIC_RELEASE);  // done with the slot before releasing it
    g_tail = tail + 1;
    return true;
}

const char* gx_board_name() { return GX_BOARD_NAME_STR; }

// The settings records in NVS: one byte record (an NVS blob) per key. A full letter
// calibration (17.9 kB) needs an NVS partition of at least 24 kB (docs/hardware.md).
int gx_board_settings_load(int key, uint8_t* buf, int max) {
    if (key < 0 || key >= gx::kGxSettingsKeys) return -1;
    if (!g_nvs_ok || !g_nvs.isKey(kNvsKeys[key])) return 0;
    const size_t n = g_nvs.getBytesLength(kNvsKeys[key]);
    if (n > static_cast<size_t>(max)) return -1;
    return g_nvs.getBytes(kNvsKeys[key], buf, n) == n ? static_cast<int>(n) : -1;
}

bool gx_board_settings_save(int key, const uint8_t* buf, int n) {
    if (!g_nvs_ok || key < 0 || key >= gx::kGxSettingsKeys || n < 0 || n > kGxBoardSettingsMax[key]) return false;
    if (n == 0) return !g_nvs.isKey(kNvsKeys[key]) || g_nvs.remove(kNvsKeys[key]);
    return g_nvs.putBytes(kNvsKeys[key], buf, static_cast<size_t>(n)) == static_cast<size_t>(n);
}

}  // namespace gx
