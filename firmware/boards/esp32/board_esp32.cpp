// Board layer of the real glove: ESP32 (esp32dev) or ESP32-C3 with an MPU-9250 on I2C,
// Arduino framework (PlatformIO, platformio.ini). The only ESP32-specific file besides
// firmware/src/main.cpp: it cannot be compiled on the CI machines (no PlatformIO
// toolchains); everything it calls (mpu9250.cpp, the app, the core) is compiled and tested
// there for Cortex-M4F and RV32IMC (docs/hardware.md).
//
//  * serial: the USB UART (Serial, 115200 8N1), the protocol of docs/serial-protocol.md;
//  * IMU: MPU-9250 at 0x68 (AD0 low) on SDA/SCL (defaults below, override with -D), 400 kHz;
//  * sampling: an esp_timer fires every 1/27 s; gx_board_imu_read returns the newest
//    sample once per tick (27 Hz, the data format's rate);
//  * capture: the button (active low, the boards' BOOT button by default) types "start" on
//    the app's serial input, opening a 32-sample letter window; "auto on" from the host
//    opens windows on motion instead.
#include <Arduino.h>
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
constexpr uint32_t kI2cHz = 400000;
constexpr uint32_t kSampleHz = 27;
constexpr uint64_t kSamplePeriodUs = 1000000u / kSampleHz;  // 37037 us
constexpr uint32_t kDebounceMs = 50;
constexpr char kStartLine[] = "start\n";
constexpr int kStartLen = sizeof kStartLine - 1;

volatile bool g_tick = false;
esp_timer_handle_t g_timer = nullptr;
gx::GxMpu9250 g_imu;
bool g_imu_ok = false;
int g_inject = kStartLen;  // next byte of kStartLine to hand out (kStartLen: none pending)
bool g_button_down = false;
uint32_t g_button_ms = 0;

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
    if (Wire.requestFrom(static_cast<int>(dev), n) != n) return false;
    for (int i = 0; i < n; ++i) buf[i] = static_cast<uint8_t>(Wire.read());
    return true;
}

void i2c_delay(void*, uint32_t ms) { delay(ms); }

void on_tick(void*) { g_tick = true; }

void poll_button() {
    const bool down = digitalRead(GX_PIN_BUTTON) == LOW;
    const uint32_t now = millis();
    if (down != g_button_down && now - g_button_ms >= kDebounceMs) {
        g_button_down = down;
        g_button_ms = now;
        if (down) g_inject = 0;  // press: type "start"
    }
}

}  // namespace

namespace gx {

void gx_board_init() {
    Serial.begin(kBaud);
    pinMode(GX_PIN_BUTTON, INPUT_PULLUP);
    Wire.begin(GX_PIN_SDA, GX_PIN_SCL, kI2cHz);
    const GxI2cBus bus{i2c_write, i2c_read, i2c_delay, nullptr};
    const int st = gx_mpu9250_init(&g_imu, bus, kMpuAddr);
    g_imu_ok = st == GX_MPU_OK || st == GX_MPU_NO_MAG;
    if (!g_imu_ok) Serial.print("ERR E_IMU \"MPU-9250 not found on I2C (check wiring, docs/hardware.md)\"\n");
    else if (st == GX_MPU_NO_MAG) Serial.print("ERR E_IMU \"AK8963 magnetometer not found: 6-axis\"\n");
    const esp_timer_create_args_t args = {on_tick, nullptr, ESP_TIMER_TASK, "gx27hz", false};
    if (esp_timer_create(&args, &g_timer) == ESP_OK) esp_timer_start_periodic(g_timer, kSamplePeriodUs);
}

uint32_t gx_board_millis() { return millis(); }

int gx_board_serial_read(uint8_t* buf, int max) {
    poll_button();
    int n = 0;
    while (n < max && g_inject < kStartLen) buf[n++] = static_cast<uint8_t>(kStartLine[g_inject++]);
    while (n < max && Serial.available() > 0) buf[n++] = static_cast<uint8_t>(Serial.read());
    return n;
}

void gx_board_serial_write(const char* s, int n) { Serial.write(reinterpret_cast<const uint8_t*>(s), n); }

bool gx_board_imu_read(int16_t counts[9]) {
    if (!g_imu_ok || !g_tick) return false;
    g_tick = false;
    return gx_mpu9250_read(&g_imu, counts);
}

const char* gx_board_name() { return GX_BOARD_NAME_STR; }

}  // namespace gx
