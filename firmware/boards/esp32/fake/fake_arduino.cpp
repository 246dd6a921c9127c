// Behaviour of the fakes declared in include/ (Arduino.h, Wire.h, esp_timer.h, HWCDC.h) for
// the host test of the ESP32 board layer; the test's handles are in fake_arduino.h.
#include "fake_arduino.h"

#include <cstring>

#include "Arduino.h"
#include "Wire.h"
#include "esp_timer.h"

namespace {

constexpr size_t kDefaultRx = 256;  // the core's default receive buffer (UART and HWCDC)
constexpr size_t kMaxRx = 1u << 16;
constexpr size_t kMaxTx = 1u << 20;

uint64_t g_now = 0;

// serial
uint8_t g_rx[kMaxRx];
size_t g_rx_cap = kDefaultRx, g_rx_head = 0, g_rx_len = 0, g_rx_dropped = 0;
bool g_rx_set_before_begin = false;
unsigned long g_baud = 0;
const char* g_kind = "";
char g_tx[kMaxTx + 1];
size_t g_tx_len = 0;

size_t set_rx(size_t n) {
    if (n > kMaxRx) n = kMaxRx;
    if (g_baud == 0) g_rx_set_before_begin = true;
    g_rx_cap = n;
    g_rx_head = g_rx_len = 0;
    return n;
}
void begin_serial(unsigned long baud, const char* kind) {
    g_baud = baud;
    g_kind = kind;
}
int rx_peek() { return g_rx_len == 0 ? -1 : g_rx[g_rx_head]; }
int rx_read() {
    if (g_rx_len == 0) return -1;
    const int c = g_rx[g_rx_head];
    g_rx_head = (g_rx_head + 1) % g_rx_cap;
    --g_rx_len;
    return c;
}
size_t tx_put(const uint8_t* b, size_t n) {
    for (size_t i = 0; i < n && g_tx_len < kMaxTx; ++i) g_tx[g_tx_len++] = static_cast<char>(b[i]);
    g_tx[g_tx_len] = '\0';
    return n;
}

// GPIO
int g_level[64];
int g_mode[64];

// esp_timer: one periodic timer is all the board uses; a second create fails
struct esp_timer_slot {
    gxfake::TimerInfo info;
    esp_timer_cb_t cb;
    void* arg;
    uint64_t next_us;
};
esp_timer_slot g_timer;

// I2C
gx::GxMpu9250Sim g_imu;
int g_sda = -1, g_scl = -1;
uint32_t g_hz = 0;
int g_transactions = 0;
uint8_t g_wire_addr = 0;
uint8_t g_wire_tx[128];
size_t g_wire_tx_len = 0;
uint8_t g_reg_ptr[128];  // register pointer per device address, set by a one-byte write
uint8_t g_wire_rx[128];
size_t g_wire_rx_len = 0, g_wire_rx_pos = 0;

}  // namespace

namespace gxfake {

void reset(uint8_t who_am_i) {
    g_now = 0;
    g_rx_cap = kDefaultRx;
    g_rx_head = g_rx_len = g_rx_dropped = 0;
    g_rx_set_before_begin = false;
    g_baud = 0;
    g_kind = "";
    clear_tx();
    for (int& l : g_level) l = HIGH;
    for (int& m : g_mode) m = -1;
    g_timer = esp_timer_slot{};
    gx::gx_mpu9250_sim_reset(&g_imu, who_am_i);
    g_sda = g_scl = -1;
    g_hz = 0;
    g_transactions = 0;
    g_wire_tx_len = g_wire_rx_len = g_wire_rx_pos = 0;
    std::memset(g_reg_ptr, 0, sizeof g_reg_ptr);
}

uint64_t now_us() { return g_now; }

void advance_us(uint64_t us) {
    const uint64_t end = g_now + us;
    while (g_timer.info.running && g_timer.next_us <= end) {
        g_now = g_timer.next_us;
        g_timer.next_us += g_timer.info.period_us;
        ++g_timer.info.fires;
        g_timer.cb(g_timer.arg);
    }
    g_now = end;
}

size_t host_send(const char* s) {
    size_t accepted = 0;
    for (size_t i = 0; s[i] != '\0'; ++i) {
        if (g_rx_len < g_rx_cap) {
            g_rx[(g_rx_head + g_rx_len) % g_rx_cap] = static_cast<uint8_t>(s[i]);
            ++g_rx_len;
            ++accepted;
        } else {
            ++g_rx_dropped;
        }
    }
    return accepted;
}
size_t rx_dropped() { return g_rx_dropped; }
size_t rx_buffer_size() { return g_rx_cap; }
bool rx_size_set_before_begin() { return g_rx_set_before_begin; }
unsigned long serial_baud() { return g_baud; }
const char* serial_kind() { return g_kind; }
const char* tx() { return g_tx; }
size_t tx_len() { return g_tx_len; }
void clear_tx() {
    g_tx_len = 0;
    g_tx[0] = '\0';
}

void set_pin(uint8_t pin, int level) { g_level[pin % 64] = level; }
int pin_mode(uint8_t pin) { return g_mode[pin % 64]; }

TimerInfo timer() { return g_timer.info; }

gx::GxMpu9250Sim& imu() { return g_imu; }
int wire_sda() { return g_sda; }
int wire_scl() { return g_scl; }
uint32_t wire_hz() { return g_hz; }
int wire_transactions() { return g_transactions; }

}  // namespace gxfake

// ---- Arduino core --------------------------------------------------------------------

void pinMode(uint8_t pin, uint8_t mode) { g_mode[pin % 64] = mode; }
int digitalRead(uint8_t pin) { return g_level[pin % 64]; }
void attachInterrupt(uint8_t, void (*)(void), int) {}
unsigned long micros() { return static_cast<unsigned long>(g_now); }
unsigned long millis() { return static_cast<unsigned long>(g_now / 1000u); }
void delay(uint32_t ms) { gxfake::advance_us(uint64_t{ms} * 1000u); }

size_t Print::write(const uint8_t* buffer, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < size; ++i) n += write(buffer[i]);
    return n;
}
size_t Print::print(const char s[]) { return write(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

HardwareSerial::HardwareSerial(uint8_t) {}
void HardwareSerial::begin(unsigned long baud, uint32_t, int8_t, int8_t, bool, unsigned long, uint8_t) {
    begin_serial(baud, "HardwareSerial");
}
int HardwareSerial::available() { return static_cast<int>(g_rx_len); }
int HardwareSerial::peek() { return rx_peek(); }
int HardwareSerial::read() { return rx_read(); }
size_t HardwareSerial::write(uint8_t c) { return tx_put(&c, 1); }
size_t HardwareSerial::write(const uint8_t* b, size_t n) { return tx_put(b, n); }
size_t HardwareSerial::setRxBufferSize(size_t n) { return set_rx(n); }
#if ARDUINO_USB_CDC_ON_BOOT
HardwareSerial Serial0(0);
#else
HardwareSerial Serial(0);
#endif

#if defined(CONFIG_IDF_TARGET_ESP32C3)
HWCDC::HWCDC() {}
size_t HWCDC::setRxBufferSize(size_t n) { return set_rx(n); }
void HWCDC::begin(unsigned long baud) { begin_serial(baud == 0 ? 1 : baud, "HWCDC"); }
int HWCDC::available() { return static_cast<int>(g_rx_len); }
int HWCDC::peek() { return rx_peek(); }
int HWCDC::read() { return rx_read(); }
size_t HWCDC::write(uint8_t c) { return tx_put(&c, 1); }
size_t HWCDC::write(const uint8_t* b, size_t n) { return tx_put(b, n); }
#if ARDUINO_USB_MODE && ARDUINO_USB_CDC_ON_BOOT && GX_ARDUINO_ESP32_MAJOR == 2
HWCDC Serial;
#elif ARDUINO_USB_MODE && ARDUINO_USB_CDC_ON_BOOT
HWCDC HWCDCSerial;
#endif
#endif

// ---- Wire: I2C master transactions against the simulated MPU-9250 ------------------------

TwoWire::TwoWire(uint8_t) {}
bool TwoWire::begin(int sda, int scl, uint32_t frequency) {
    g_sda = sda;
    g_scl = scl;
    g_hz = frequency == 0 ? 100000u : frequency;
    return true;
}
void TwoWire::beginTransmission(uint8_t address) {
    g_wire_addr = address;
    g_wire_tx_len = 0;
}
size_t TwoWire::write(uint8_t b) {
    if (g_wire_tx_len >= sizeof g_wire_tx) return 0;
    g_wire_tx[g_wire_tx_len++] = b;
    return 1;
}
size_t TwoWire::write(const uint8_t* b, size_t n) {
    size_t k = 0;
    while (k < n && write(b[k]) == 1) ++k;
    return k;
}
uint8_t TwoWire::endTransmission(bool) {
    ++g_transactions;
    const uint8_t dev = g_wire_addr & 0x7F;
    if (!gx::gx_mpu9250_sim_acks(&g_imu, dev)) return 2;  // address NACK
    if (g_wire_tx_len == 0) return 0;                     // probe
    g_reg_ptr[dev] = g_wire_tx[0];
    for (size_t i = 1; i < g_wire_tx_len; ++i)  // register writes auto-increment
        if (!gx::gx_mpu9250_sim_write(&g_imu, dev, static_cast<uint8_t>(g_wire_tx[0] + i - 1), g_wire_tx[i]))
            return 3;  // data NACK
    return 0;
}
uint8_t TwoWire::endTransmission() { return endTransmission(true); }
size_t TwoWire::requestFrom(uint8_t address, size_t len, bool) {
    ++g_transactions;
    g_wire_rx_len = g_wire_rx_pos = 0;
    const uint8_t dev = address & 0x7F;
    if (len > sizeof g_wire_rx || !gx::gx_mpu9250_sim_read(&g_imu, dev, g_reg_ptr[dev], g_wire_rx, static_cast<int>(len)))
        return 0;
    g_wire_rx_len = len;
    return len;
}
size_t TwoWire::requestFrom(uint8_t address, size_t len) { return requestFrom(address, len, true); }
int TwoWire::available() { return static_cast<int>(g_wire_rx_len - g_wire_rx_pos); }
int TwoWire::read() { return g_wire_rx_pos < g_wire_rx_len ? g_wire_rx[g_wire_rx_pos++] : -1; }
int TwoWire::peek() { return g_wire_rx_pos < g_wire_rx_len ? g_wire_rx[g_wire_rx_pos] : -1; }
TwoWire Wire(0);

// ---- esp_timer ---------------------------------------------------------------------------

extern "C" {
esp_err_t esp_timer_create(const esp_timer_create_args_t* a, esp_timer_handle_t* out) {
    if (a == nullptr || out == nullptr || a->callback == nullptr || g_timer.info.created) return ESP_FAIL;
    g_timer.info = gxfake::TimerInfo{true, false, 0, a->dispatch_method, a->name, a->skip_unhandled_events, 0};
    g_timer.cb = a->callback;
    g_timer.arg = a->arg;
    *out = reinterpret_cast<esp_timer_handle_t>(&g_timer);
    return ESP_OK;
}
esp_err_t esp_timer_start_periodic(esp_timer_handle_t t, uint64_t period) {
    if (t != reinterpret_cast<esp_timer_handle_t>(&g_timer) || period == 0 || g_timer.info.running) return ESP_FAIL;
    g_timer.info.running = true;
    g_timer.info.period_us = period;
    g_timer.next_us = g_now + period;
    return ESP_OK;
}
esp_err_t esp_timer_stop(esp_timer_handle_t t) {
    if (t != reinterpret_cast<esp_timer_handle_t>(&g_timer) || !g_timer.info.running) return ESP_FAIL;
    g_timer.info.running = false;
    return ESP_OK;
}
int64_t esp_timer_get_time(void) { return static_cast<int64_t>(g_now); }
}
