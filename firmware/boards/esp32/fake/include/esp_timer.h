// Stand-in for ESP-IDF's esp_timer.h (components/esp_timer/include/esp_timer.h) and the
// esp_err_t of esp_err.h: the declarations the glove's board layer uses. See Arduino.h.
#ifndef GX_FAKE_ESP_TIMER_H
#define GX_FAKE_ESP_TIMER_H

#include <cstdint>

typedef int esp_err_t;
#define ESP_OK 0
#define ESP_FAIL -1

typedef struct esp_timer* esp_timer_handle_t;
typedef void (*esp_timer_cb_t)(void* arg);

typedef enum {
    ESP_TIMER_TASK,  //!< the callback runs in the esp_timer task
    ESP_TIMER_ISR,   //!< the callback runs in the timer interrupt (CONFIG_ESP_TIMER_SUPPORTS_ISR_DISPATCH_METHOD)
    ESP_TIMER_MAX,
} esp_timer_dispatch_t;

typedef struct {
    esp_timer_cb_t callback;
    void* arg;
    esp_timer_dispatch_t dispatch_method;
    const char* name;
    bool skip_unhandled_events;
} esp_timer_create_args_t;

extern "C" {
esp_err_t esp_timer_create(const esp_timer_create_args_t* create_args, esp_timer_handle_t* out_handle);
esp_err_t esp_timer_start_periodic(esp_timer_handle_t timer, uint64_t period);
esp_err_t esp_timer_stop(esp_timer_handle_t timer);
int64_t esp_timer_get_time(void);
}

#endif  // GX_FAKE_ESP_TIMER_H
