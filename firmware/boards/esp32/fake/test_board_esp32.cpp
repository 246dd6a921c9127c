// Behaviour test of the ESP32 board layer (board_esp32.cpp) and entry point (src/main.cpp),
// built for the host against the fakes of fake_arduino.cpp: the app and the core are the real
// ones, the Arduino core, ESP-IDF's esp_timer and the MPU-9250 are simulated. One scenario per
// run (the firmware's state is static):  gx_test_board_esp32 SCENARIO. Last line:
// "N checks, M failed"; exit status 0 iff M == 0 (tests/test_esp32_board.py).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "Arduino.h"
#include "app.h"
#include "protocol.h"
#include "board.h"
#include "esp_timer.h"
#include "Preferences.h"
#include "fake_arduino.h"

void setup();
void loop();

namespace {

int g_checks = 0, g_failed = 0;
void check(bool ok, const char* what) {
    ++g_checks;
    if (!ok) {
        ++g_failed;
        std::printf("FAILED: %s\n", what);
    }
}

#if defined(CONFIG_IDF_TARGET_ESP32C3)
constexpr uint8_t kButton = 9;
constexpr const char* kName = "esp32c3";
constexpr const char* kSerialKind = "HWCDC";
#else
constexpr uint8_t kButton = 0;
constexpr const char* kName = "esp32";
constexpr const char* kSerialKind = "HardwareSerial";
#endif
constexpr uint64_t kPeriodUs = 1000000u / 27;
constexpr int kRing = 32;  // board_esp32.cpp's kRingSamples

int count(const char* hay, const char* needle) {
    int n = 0;
    const size_t len = std::strlen(needle);
    for (const char* p = std::strstr(hay, needle); p != nullptr; p = std::strstr(p + len, needle)) ++n;
    return n;
}

// The loop as the Arduino core runs it, until this much simulated time has passed (loop()
// sleeps 1 ms when idle; when busy no time passes, as on a fast CPU).
void run_for_us(uint64_t us) {
    const uint64_t end = gxfake::now_us() + us;
    for (long guard = 0; gxfake::now_us() < end && guard < 100000000L; ++guard) loop();
}

// The samples= of an INFO answer once the app has taken every queued sample (-1: no answer).
// No simulated time passes, so no tick comes in between.
long info_samples() {
    for (int guard = 0; guard < 1000 && gx::gx_app_poll() > 0; ++guard) {
    }
    const size_t from = gxfake::tx_len();
    gxfake::host_send("info\n");
    gx::gx_app_poll();
    const char* p = std::strstr(gxfake::tx() + from, "INFO ");
    if (p == nullptr) return -1;
    const char* s = std::strstr(p, " samples=");
    return s == nullptr ? -1 : std::strtol(s + 9, nullptr, 10);
}

long ticks_until_now() { return gxfake::timer().fires; }

void set_sample(int16_t k) {
    const int16_t acc[3] = {k, static_cast<int16_t>(-k), 8192}, gyr[3] = {static_cast<int16_t>(3 * k), 0, 0};
    gx::gx_mpu9250_sim_set_sample(&gxfake::imu(), acc, gyr, 0);
}

// The bytes the board hands the app during `ms` milliseconds of polling, 1 ms apart.
void poll_serial(int ms, char* out, size_t cap, size_t* len) {
    for (int t = 0; t < ms; ++t) {
        uint8_t buf[64];
        const int n = gx::gx_board_serial_read(buf, static_cast<int>(sizeof buf));
        for (int i = 0; i < n && *len + 1 < cap; ++i) out[(*len)++] = static_cast<char>(buf[i]);
        out[*len] = '\0';
        gxfake::advance_us(1000);
    }
}

// ---- scenarios -------------------------------------------------------------------------

// Start-up: UART, pins, I2C, the 27 Hz esp_timer; samples reach the recogniser at that rate.
void scenario_timer() {
    gxfake::reset();
    setup();
    const gxfake::TimerInfo t = gxfake::timer();
    check(t.created && t.running, "the sampling timer runs");
    check(t.period_us == 37037, "period 1/27 s = 37037 us");
    check(t.dispatch == ESP_TIMER_TASK, "callback in the esp_timer task (it reads I2C: not an ISR)");
    check(!t.skip_unhandled_events, "late periods are caught up, not skipped");
    check(gxfake::serial_baud() == 115200, "115200 baud");
    check(std::strcmp(gxfake::serial_kind(), kSerialKind) == 0,
          "Serial is the UART on the ESP32, the USB Serial/JTAG (HWCDC) on the C3");
    check(gxfake::pin_mode(kButton) == INPUT_PULLUP, "button pin: input with pull-up");
#if defined(CONFIG_IDF_TARGET_ESP32C3)
    check(gxfake::wire_sda() == 5 && gxfake::wire_scl() == 6, "C3: SDA 5, SCL 6");
#else
    check(gxfake::wire_sda() == 21 && gxfake::wire_scl() == 22, "ESP32: SDA 21, SCL 22");
#endif
    check(gxfake::wire_hz() == 400000, "I2C at 400 kHz");
    check(gxfake::imu().mpu[gx::kMpuGyroConfig] == gx::kGyroFs1000, "IMU configured over the fake Wire");
    char banner[64];
    std::snprintf(banner, sizeof banner, "READY proto=%d fw=", static_cast<int>(gx::kGxProtoVersion));
    check(count(gxfake::tx(), banner) == 1, "READY line");
    std::snprintf(banner, sizeof banner, " board=%s ", kName);
    check(std::strstr(gxfake::tx(), banner) != nullptr, "banner names the board");
    // built without models: the app's E_MODEL lines are expected, no board error
    check(count(gxfake::tx(), "ERR E_IMU") == 0, "no E_IMU line at start-up");
    const uint64_t t0 = gxfake::now_us();
    check(gxfake::imu().burst_reads == 0 && ticks_until_now() == 0, "no sample before the timer");
    run_for_us(10000000);
    const long ticks = ticks_until_now();
    const long expect = static_cast<long>((gxfake::now_us() - t0) / kPeriodUs);
    check(ticks == expect && ticks == 270, "270 ticks in 10 s");
    check(gxfake::imu().burst_reads == ticks, "one IMU read per tick");
    const long n = info_samples();
    check(n == ticks, "every tick's sample reached the recogniser (INFO samples=)");
    if (n != ticks) std::printf("samples=%ld ticks=%ld\n", n, ticks);
}

// Ticks while the loop is busy (a recognition): kept in order up to the ring's size, beyond
// that counted and reported.
void scenario_ring() {
    gxfake::reset();
    gx::gx_board_init();
    gxfake::clear_tx();
    int16_t c[9];
    check(!gx::gx_board_imu_read(c), "no sample before the first tick");
    for (int16_t k = 1; k <= 5; ++k) {  // 5 ticks while the loop does not poll
        set_sample(k);
        gxfake::advance_us(kPeriodUs);
    }
    bool in_order = true;
    for (int16_t k = 1; k <= 5; ++k) in_order = in_order && gx::gx_board_imu_read(c) && c[0] == k && c[3] == 3 * k;
    check(in_order, "5 queued samples come out in order with their values");
    check(!gx::gx_board_imu_read(c), "then none");
    check(gxfake::tx_len() == 0, "no error line for a short stall");

    const int extra = 8;
    for (int16_t k = 1; k <= kRing + extra; ++k) {  // a stall longer than the ring
        set_sample(static_cast<int16_t>(100 + k));
        gxfake::advance_us(kPeriodUs);
    }
    int got = 0;
    in_order = true;
    while (gx::gx_board_imu_read(c)) {
        ++got;
        in_order = in_order && c[0] == 100 + got;
    }
    check(got == kRing, "a full ring keeps its 32 samples");
    check(in_order, "the oldest ones, in order (the newest are the ones dropped)");
    check(count(gxfake::tx(), "ERR E_IMU \"8 IMU samples dropped") == 1, "one ERR E_IMU line counts the 8 dropped");
    gxfake::clear_tx();
    gxfake::advance_us(kPeriodUs);
    check(gx::gx_board_imu_read(c) && gxfake::tx_len() == 0, "sampling goes on, nothing more reported");
}

// The same through the app: a 300 ms recognition loses no sample, a 2 s stall reports the loss.
void scenario_stall() {
    gxfake::reset();
    setup();
    run_for_us(2000000);
    gxfake::advance_us(300000);  // one loop iteration that takes 300 ms (8 ticks)
    run_for_us(1000000);
    long n = info_samples();
    check(n == ticks_until_now(), "after a 300 ms stall every tick's sample is there");
    check(count(gxfake::tx(), "ERR E_IMU") == 0, "and no E_IMU line");
    gxfake::advance_us(2000000);  // 54 ticks, 22 more than the ring holds
    run_for_us(500000);
    n = info_samples();
    check(n == ticks_until_now() - 22, "a 2 s stall loses the 22 samples the ring cannot hold");
    check(count(gxfake::tx(), "ERR E_IMU \"22 IMU samples dropped") == 1, "and says so once");
    if (n != ticks_until_now() - 22) std::printf("samples=%ld ticks=%ld\n%s", n, ticks_until_now(), gxfake::tx());
}

// Debounce: bounces and glitches are ignored, each press types exactly one "start\n".
void scenario_button() {
    gxfake::reset();
    gx::gx_board_init();
    char got[256];
    size_t len = 0;
    poll_serial(100, got, sizeof got, &len);
    check(len == 0, "nothing typed while the button is up");
    gxfake::set_pin(kButton, LOW);  // a 5 ms glitch
    poll_serial(5, got, sizeof got, &len);
    gxfake::set_pin(kButton, HIGH);
    poll_serial(100, got, sizeof got, &len);
    check(len == 0, "a 5 ms glitch is not a press");
    for (int b = 0; b < 4; ++b) {  // a press with 8 ms of contact bounce, then held 500 ms
        gxfake::set_pin(kButton, b % 2 == 0 ? LOW : HIGH);
        poll_serial(2, got, sizeof got, &len);
    }
    gxfake::set_pin(kButton, LOW);
    poll_serial(500, got, sizeof got, &len);
    check(std::strcmp(got, "start\n") == 0, "a bouncing press types one start line");
    for (int b = 0; b < 4; ++b) {  // release with bounce
        gxfake::set_pin(kButton, b % 2 == 0 ? HIGH : LOW);
        poll_serial(2, got, sizeof got, &len);
    }
    gxfake::set_pin(kButton, HIGH);
    poll_serial(200, got, sizeof got, &len);
    check(std::strcmp(got, "start\n") == 0, "the release types nothing");
    gxfake::set_pin(kButton, LOW);
    poll_serial(100, got, sizeof got, &len);
    gxfake::set_pin(kButton, HIGH);
    poll_serial(100, got, sizeof got, &len);
    check(std::strcmp(got, "start\nstart\n") == 0, "a second press, a second start");
}

// A press while a host line is half received: "start" waits for that line's newline.
void scenario_button_mid_line() {
    gxfake::reset();
    gx::gx_board_init();
    char got[256];
    size_t len = 0;
    gxfake::host_send("inf");
    poll_serial(10, got, sizeof got, &len);
    gxfake::set_pin(kButton, LOW);
    poll_serial(200, got, sizeof got, &len);
    check(std::strcmp(got, "inf") == 0, "no start inside a host line");
    gxfake::host_send("o\nmodel cnn\n");
    poll_serial(10, got, sizeof got, &len);
    check(std::strcmp(got, "info\nstart\nmodel cnn\n") == 0, "start right after the line's newline");
    if (std::strcmp(got, "info\nstart\nmodel cnn\n") != 0) std::printf("got [%s]\n", got);
}

// The same through the app: both lines are understood and the window opens.

void scenario_button_app() {
    gxfake::reset();
    setup();
    run_for_us(100000);
    gxfake::clear_tx();
    gxfake::host_send("inf");
    run_for_us(20000);
    gxfake::set_pin(kButton, LOW);  // pressed while "inf" waits for its newline
    run_for_us(200000);
    gxfake::host_send("o\n");
    gxfake::set_pin(kButton, HIGH);
    run_for_us(50000);
    check(count(gxfake::tx(), "INFO ") == 1, "the host's info line is answered");
    check(count(gxfake::tx(), "ERR E_UNKNOWN") == 0, "no line was spliced");
    run_for_us(1300000);  // 32 samples after the start: the window closes
    const bool closed = count(gxfake::tx(), "ERR E_NO_MOTION") + count(gxfake::tx(), "ERR E_RECOGNISE") +
                            count(gxfake::tx(), "LETTER ") + count(gxfake::tx(), "ERR E_NO_MODEL") ==
                        1;
    check(closed, "the injected start opened one letter window, closed after 32 samples");
    if (!closed) std::printf("%s", gxfake::tx());
}

// The receive buffer holds a whole replay line (and more) that arrives while the loop is busy.
void scenario_rx_buffer() {
    gxfake::reset();
    setup();
    check(gxfake::rx_size_set_before_begin(), "RX buffer size set before begin()");
    check(gxfake::rx_buffer_size() >= 3 * 1200, "RX buffer holds three maximal lines");
    run_for_us(50000);
    gxfake::clear_tx();
    // a maximal replay line (32 samples) and an info line, all received during a 150 ms stall
    static char line[1300];
    int n = std::snprintf(line, sizeof line, "replay 32 ");
    for (int k = 0; k < 32; ++k) {
        const int v[9] = {100 * k, -50 * k, 8000, 2000 - 120 * k, 40 * k, -300, 200, -100, 400};
        for (int j = 0; j < 9; ++j) n += std::snprintf(line + n, sizeof line - static_cast<size_t>(n), "%04x",
                                                       static_cast<unsigned>(v[j]) & 0xFFFFu);
    }
    line[n++] = '\n';
    line[n] = '\0';
    check(n == 10 + 32 * 36 + 1, "the line is 1163 bytes");
    check(gxfake::host_send(line) == static_cast<size_t>(n), "received whole");
    gxfake::host_send("info\n");
    gxfake::advance_us(150000);
    run_for_us(100000);
    check(gxfake::rx_dropped() == 0, "nothing dropped");
    // built without models, a replay whose 1152 hex digits all parse is answered E_NO_MODEL
    check(count(gxfake::tx(), "ERR E_NO_MODEL") == 1, "the replay of 32 samples is parsed whole");
    check(count(gxfake::tx(), "ERR E_TRUNCATED") + count(gxfake::tx(), "ERR E_ARGS") + count(gxfake::tx(), "ERR E_UNKNOWN") ==
              0, "no truncated or mangled line");
    check(count(gxfake::tx(), "INFO ") == 1, "the next line too");
}

// No IMU at start-up: an error line before READY, no timer, replay still works.
void scenario_imu_absent(uint8_t who, bool present) {
    gxfake::reset(who);
    gxfake::imu().present = present;
    setup();
    check(std::strncmp(gxfake::tx(), "ERR E_IMU \"MPU-9250 not found on I2C", 35) == 0, "first line ERR E_IMU");
    check(count(gxfake::tx(), "\nREADY ") == 1, "then READY");
    check(!gxfake::timer().running, "no sampling timer");
    run_for_us(1000000);
    check(info_samples() == 0, "no samples");
    gxfake::clear_tx();
    gxfake::host_send("replay 1 00010002000300040005000600070008000a\n");
    run_for_us(10000);
    check(count(gxfake::tx(), "ERR E_NO_MODEL") == 1 && count(gxfake::tx(), "ERR") == 1,
          "replay is answered (built without models: E_NO_MODEL)");
}

// No magnetometer: a warning, then 6-axis samples (magnetometer counts 0).
void scenario_no_mag() {
    gxfake::reset();
    gxfake::imu().ak_present = false;
    gx::gx_board_init();
    check(std::strcmp(gxfake::tx(), "ERR E_IMU \"AK8963 magnetometer not found: 6-axis\"\n") == 0, "one E_IMU line");
    set_sample(7);
    gxfake::advance_us(kPeriodUs);
    int16_t c[9];
    check(gx::gx_board_imu_read(c) && c[0] == 7 && c[6] == 0 && c[7] == 0 && c[8] == 0, "6-axis sample");
}

// The IMU stops answering mid-stream: one error line per failure run, samples resume after.
void scenario_imu_lost() {
    gxfake::reset();
    setup();
    run_for_us(1000000);
    const long before = info_samples();
    check(before == ticks_until_now(), "sampling");
    gxfake::clear_tx();
    gxfake::imu().present = false;  // wire off
    const long t_off = ticks_until_now();
    run_for_us(1000000);
    check(count(gxfake::tx(), "ERR E_IMU \"MPU-9250 read failed on I2C") == 1, "one E_IMU line for a 1 s outage");
    const long during = info_samples();
    check(during == before, "no samples while it does not answer");
    gxfake::imu().present = true;
    const long t_on = ticks_until_now();
    run_for_us(1000000);
    const long after = info_samples();
    check(after == before + (ticks_until_now() - t_on), "samples resume with the next tick");
    check(count(gxfake::tx(), "ERR E_IMU") == 1, "no line while it works again");
    gxfake::imu().present = false;  // a second outage: reported again
    run_for_us(200000);
    check(count(gxfake::tx(), "ERR E_IMU \"MPU-9250 read failed on I2C") == 2, "a second outage, a second line");
    (void)t_off;
}

// The sensor calibration survives a reboot in NVS; a cleared one is erased; without NVS the
// glove still runs (uncalibrated) and says the calibration cannot be kept.
void scenario_settings() {
    gxfake::nvs_erase();
    gxfake::reset();
    setup();
    gxfake::clear_tx();
    gxfake::host_send("cal set 40 -25 13 30 -20 10 16000 16800 16384\n");
    run_for_us(50000);
    check(count(gxfake::tx(), "CAL gyro=on bias=40,-25,13 mag=on offset=30,-20,10 scale_q14=16000,16800,16384") == 1,
          "cal set answered");
    check(gxfake::nvs_writes() == 1, "one NVS write");
    gxfake::reset();  // power cycle: RAM lost, NVS kept
    setup();
    gxfake::clear_tx();
    gxfake::host_send("cal show\n");
    run_for_us(50000);
    check(count(gxfake::tx(), "CAL gyro=on bias=40,-25,13 mag=on offset=30,-20,10") == 1, "restored after a reboot");
    gxfake::host_send("cal clear\n");
    run_for_us(50000);
    gxfake::reset();
    setup();
    gxfake::clear_tx();
    gxfake::host_send("cal show\n");
    run_for_us(50000);
    check(count(gxfake::tx(), "CAL gyro=off bias=0,0,0 mag=off") == 1, "cleared stays cleared");
    gxfake::nvs_fail(true);
    gxfake::reset();
    setup();
    gxfake::clear_tx();
    gxfake::host_send("cal set 1 2 3 4 5 6 16384 16384 16384\n");
    run_for_us(50000);
    check(count(gxfake::tx(), "ERR E_CAL") == 1 && count(gxfake::tx(), "CAL gyro=on bias=1,2,3") == 1,
          "no NVS: applied, and the wearer is told it is not kept");
    gxfake::nvs_fail(false);
}

}  // namespace

int main(int argc, char** argv) {
    const char* s = argc > 1 ? argv[1] : "";
    if (std::strcmp(s, "timer") == 0) scenario_timer();
    else if (std::strcmp(s, "ring") == 0) scenario_ring();
    else if (std::strcmp(s, "stall") == 0) scenario_stall();
    else if (std::strcmp(s, "button") == 0) scenario_button();
    else if (std::strcmp(s, "button_mid_line") == 0) scenario_button_mid_line();
    else if (std::strcmp(s, "button_app") == 0) scenario_button_app();
    else if (std::strcmp(s, "rx_buffer") == 0) scenario_rx_buffer();
    else if (std::strcmp(s, "imu_absent") == 0) scenario_imu_absent(0x71, false);
    else if (std::strcmp(s, "imu_wrong_whoami") == 0) scenario_imu_absent(0x70, true);
    else if (std::strcmp(s, "no_mag") == 0) scenario_no_mag();
    else if (std::strcmp(s, "imu_lost") == 0) scenario_imu_lost();
    else if (std::strcmp(s, "settings") == 0) scenario_settings();
    else {
        std::printf("usage: %s timer|ring|stall|button|button_mid_line|button_app|rx_buffer|imu_absent|"
                    "imu_wrong_whoami|no_mag|imu_lost|settings\n", argv[0]);
        return 2;
    }
    std::printf("%d checks, %d failed\n", g_checks, g_failed);
    return g_failed == 0 ? 0 : 1;
}
