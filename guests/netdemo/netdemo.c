/* netdemo - a bare-metal virtio-net driver (virtio-mmio version 2, split virtqueues) and a
 * ping-pong over a custom ethertype, the same ELF on minivisor and on QEMU's
 * virtio-net-device (-global virtio-mmio.force-legacy=false, bus virtio-mmio-bus.0).
 *
 * The card is in the first virtio-mmio slot, 0x10001000, PLIC source 1.  The driver negotiates
 * VIRTIO_NET_F_MAC and VIRTIO_F_VERSION_1 only, posts 8 receive buffers, sends each frame as a
 * two-descriptor chain (header, then frame) and sleeps in WFI with mstatus.MIE = 0 between
 * events (the PLIC's source 1 or the CLINT timer wakes it; no trap handler).
 *
 * What it does depends on the MAC the host gave the card, 52:54:00:RR:MM:II:
 *   MM = 0  ping-pong: II = 1 is the initiator; it sends "PING n" to the broadcast address
 *           (again every 100 ms until answered) and waits for "PONG n", for n = 1..R (R = RR,
 *           or 5 when RR is 0), then sends "BYE" and powers off.  Any other II answers every
 *           "PING n" with "PONG n" to its sender and powers off on "BYE".  Both print each
 *           new frame they receive.
 *   MM = 1  flood: sends broadcast frames as fast as the card takes them, forever.
 *   MM = 2  script: runs the MMIO script the host wrote at 0x80080000 (tests and
 *           fuzz/virtio.mjs build malformed virtqueues that way), then powers off.
 *
 * Exit status: 0, or 1 when the card is missing or refuses the features, 2 on a timeout.
 */
#include <stdint.h>
#include "uart.h"
#include "virt.h"

#define VNET       0x10001000u
#define VNET_IRQ   1
#define R(off)     MMIO32(VNET + (off))

#define QN         8            /* entries per queue */
#define BUF_SIZE   1536         /* 12-byte header + up to 1518 bytes of frame, rounded */
#define HDR        12
#define ETHERTYPE  0x88b5       /* IEEE 802 local experimental */

struct desc { uint64_t addr; uint32_t len; uint16_t flags; uint16_t next; };
struct avail { uint16_t flags; uint16_t idx; uint16_t ring[QN]; uint16_t used_event; };
struct used_elem { uint32_t id; uint32_t len; };
struct used { uint16_t flags; uint16_t idx; struct used_elem ring[QN]; uint16_t avail_event; };

struct queue {
    struct desc d[QN] __attribute__((aligned(16)));
    struct avail a __attribute__((aligned(2)));
    struct used u __attribute__((aligned(4)));
    uint16_t last_used;
};

static struct queue rxq, txq;
static uint8_t rxbuf[QN][BUF_SIZE] __attribute__((aligned(4)));
static uint8_t txhdr[HDR] __attribute__((aligned(4)));
static uint8_t txframe[BUF_SIZE] __attribute__((aligned(4)));
static uint8_t mac[6];
static int tx_busy;

#define fence() __asm__ volatile("fence" ::: "memory")

static void print_mac(const uint8_t *m)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        if (i) uart_putc(':');
        uart_putc(hex[m[i] >> 4]);
        uart_putc(hex[m[i] & 15]);
    }
}

static uint64_t mtime(void)
{
    uint32_t hi, lo;
    do {
        hi = MMIO32(CLINT_MTIME + 4);
        lo = MMIO32(CLINT_MTIME);
    } while (hi != MMIO32(CLINT_MTIME + 4));
    return ((uint64_t)hi << 32) | lo;
}

static void set_timer(uint64_t t)
{
    MMIO32(CLINT_MTIMECMP + 4) = 0xffffffffu;
    MMIO32(CLINT_MTIMECMP) = (uint32_t)t;
    MMIO32(CLINT_MTIMECMP + 4) = (uint32_t)(t >> 32);
}

static void setup_queue(uint32_t q, struct queue *vq)
{
    R(0x030) = q;                         /* QueueSel */
    if (R(0x044) != 0 || R(0x034) < QN) { /* QueueReady, QueueNumMax */
        uart_puts("netdemo: queue unusable\n");
        poweroff(1);
    }
    R(0x038) = QN;                        /* QueueNum */
    R(0x080) = (uint32_t)(uintptr_t)vq->d;
    R(0x084) = 0;
    R(0x090) = (uint32_t)(uintptr_t)&vq->a;
    R(0x094) = 0;
    R(0x0a0) = (uint32_t)(uintptr_t)&vq->u;
    R(0x0a4) = 0;
    R(0x044) = 1;                         /* QueueReady */
}

static void post_rx(uint16_t i)
{
    rxq.a.ring[rxq.a.idx % QN] = i;
    fence();
    rxq.a.idx++;
    fence();
}

static int init_card(void)
{
    if (R(0x000) != 0x74726976 || R(0x004) != 2 || R(0x008) != 1) {
        uart_puts("netdemo: no virtio-net (version 2) at 0x10001000\n");
        return 1;
    }
    R(0x070) = 0;                         /* reset */
    R(0x070) = 1;                         /* ACKNOWLEDGE */
    R(0x070) = 1 | 2;                     /* DRIVER */
    R(0x014) = 0;
    uint32_t f0 = R(0x010);
    R(0x014) = 1;
    uint32_t f1 = R(0x010);
    if (!(f0 & (1u << 5)) || !(f1 & 1)) {
        uart_puts("netdemo: the card lacks VIRTIO_NET_F_MAC or VIRTIO_F_VERSION_1\n");
        return 1;
    }
    R(0x024) = 0;
    R(0x020) = 1u << 5;                   /* VIRTIO_NET_F_MAC */
    R(0x024) = 1;
    R(0x020) = 1;                         /* VIRTIO_F_VERSION_1 */
    R(0x070) = 1 | 2 | 8;                 /* FEATURES_OK */
    if (!(R(0x070) & 8)) {
        uart_puts("netdemo: features refused\n");
        return 1;
    }
    setup_queue(0, &rxq);
    setup_queue(1, &txq);
    for (int i = 0; i < 6; i++) mac[i] = MMIO8(VNET + 0x100 + i);
    for (uint16_t i = 0; i < QN; i++) {
        rxq.d[i].addr = (uint32_t)(uintptr_t)rxbuf[i];
        rxq.d[i].len = BUF_SIZE;
        rxq.d[i].flags = 2;               /* VIRTQ_DESC_F_WRITE */
        rxq.d[i].next = 0;
        post_rx(i);
    }
    /* The PLIC lets source 1 interrupt the M-mode context; WFI wakes on MEIP or MTIP. */
    MMIO32(PLIC_PRIORITY(VNET_IRQ)) = 1;
    MMIO32(PLIC_ENABLE_CTX0) = 1u << VNET_IRQ;
    MMIO32(PLIC_THRESHOLD_CTX0) = 0;
    csr_clear(mstatus, MSTATUS_MIE);
    csr_set(mie, MIE_MEIE | MIE_MTIE);
    R(0x070) = 1 | 2 | 8 | 4;             /* DRIVER_OK */
    R(0x050) = 0;                         /* buffers for the receiveq */
    uart_puts("netdemo: virtio-net ready, mac ");
    print_mac(mac);
    uart_puts("\n");
    return 0;
}

/* Acknowledges the card's interrupt (status and PLIC); call after a wake-up. */
static void ack_irq(void)
{
    uint32_t src = MMIO32(PLIC_CLAIM_CTX0);
    uint32_t st = R(0x060);
    if (st) R(0x064) = st;
    if (st & 2) {
        uart_puts("netdemo: the card needs a reset (status ");
        print_hex(R(0x070));
        uart_puts(")\n");
        poweroff(3);
    }
    if (src) MMIO32(PLIC_CLAIM_CTX0) = src;
}

static void reap_tx(void)
{
    fence();
    while (txq.last_used != txq.u.idx) {
        txq.last_used++;
        tx_busy = 0;
    }
}

/* Sends dst/type/payload (padded to 60 bytes); waits for the previous frame to be taken. */
static void send(const uint8_t *dst, const char *payload)
{
    while (tx_busy) {
        reap_tx();
        if (!tx_busy) break;
        __asm__ volatile("wfi");
        ack_irq();
    }
    uint32_t n = 0;
    for (int i = 0; i < 6; i++) txframe[n++] = dst[i];
    for (int i = 0; i < 6; i++) txframe[n++] = mac[i];
    txframe[n++] = ETHERTYPE >> 8;
    txframe[n++] = ETHERTYPE & 0xff;
    while (*payload) txframe[n++] = (uint8_t)*payload++;
    while (n < 60) txframe[n++] = 0;
    for (int i = 0; i < HDR; i++) txhdr[i] = 0;
    txq.d[0].addr = (uint32_t)(uintptr_t)txhdr;
    txq.d[0].len = HDR;
    txq.d[0].flags = 1;                   /* NEXT */
    txq.d[0].next = 1;
    txq.d[1].addr = (uint32_t)(uintptr_t)txframe;
    txq.d[1].len = n;
    txq.d[1].flags = 0;
    txq.d[1].next = 0;
    txq.a.ring[txq.a.idx % QN] = 0;
    fence();
    txq.a.idx++;
    fence();
    tx_busy = 1;
    R(0x050) = 1;
}

/* The next received frame of our ethertype: copies its payload (NUL-terminated) and source. */
static int receive(char *payload, uint32_t max, uint8_t *src, uint32_t *len)
{
    fence();
    while (rxq.last_used != rxq.u.idx) {
        struct used_elem e = rxq.u.ring[rxq.last_used % QN];
        rxq.last_used++;
        uint8_t *f = rxbuf[e.id % QN] + HDR;
        uint32_t flen = e.len - HDR;
        int ours = flen >= 14 && f[12] == (ETHERTYPE >> 8) && f[13] == (ETHERTYPE & 0xff);
        if (ours) {
            uint32_t k = 0;
            for (uint32_t i = 14; i < flen && k + 1 < max && f[i]; i++) payload[k++] = (char)f[i];
            payload[k] = 0;
            for (int i = 0; i < 6; i++) src[i] = f[6 + i];
            *len = flen;
        }
        post_rx((uint16_t)(e.id % QN));
        R(0x050) = 0;
        if (ours) return 1;
    }
    return 0;
}

static uint32_t parse_num(const char *s)
{
    uint32_t v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (uint32_t)(*s++ - '0');
    return v;
}

static int starts(const char *s, const char *p)
{
    while (*p) if (*s++ != *p++) return 0;
    return 1;
}

static void fmt(char *out, const char *word, uint32_t n)
{
    char digits[11];
    int k = 0;
    while (*word) *out++ = *word++;
    *out++ = ' ';
    do { digits[k++] = (char)('0' + n % 10); n /= 10; } while (n);
    while (k) *out++ = digits[--k];
    *out = 0;
}

static void print_rx(const char *payload, const uint8_t *src, uint32_t len)
{
    uart_puts("rx ");
    uart_puts(payload);
    uart_puts(" from ");
    print_mac(src);
    uart_puts(" (");
    print_dec(len);
    uart_puts(" bytes)\n");
}

#define TICK_MS 10000ull                  /* CLINT: 10 MHz */

static int ping_pong(int initiator, uint32_t rounds)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t peer[6], src[6];
    char payload[64], msg[32];
    uint32_t len, expected = 1;
    int tries = 0;

    if (initiator) {
        for (uint32_t n = 1; n <= rounds; n++) {
            fmt(msg, "PING", n);
            for (;;) {
                send(bcast, msg);
                uint64_t deadline = mtime() + 100 * TICK_MS;
                set_timer(deadline);
                int got = 0;
                while (!got && mtime() < deadline) {
                    while (receive(payload, sizeof payload, src, &len)) {
                        if (starts(payload, "PONG ") && parse_num(payload + 5) == n) {
                            print_rx(payload, src, len);
                            for (int i = 0; i < 6; i++) peer[i] = src[i];
                            got = 1;
                            break;
                        }
                    }
                    if (got) break;
                    __asm__ volatile("wfi");
                    ack_irq();
                }
                if (got) break;
                if (++tries > 600) {
                    uart_puts("netdemo: no answer\n");
                    return 2;
                }
            }
        }
        send(peer, "BYE");
        reap_tx();
        while (tx_busy) {
            __asm__ volatile("wfi");
            ack_irq();
            reap_tx();
        }
        uart_puts("netdemo: done\n");
        return 0;
    }
    uint64_t give_up = mtime() + 60000 * TICK_MS;
    set_timer(give_up);
    for (;;) {
        while (receive(payload, sizeof payload, src, &len)) {
            if (starts(payload, "PING ")) {
                uint32_t n = parse_num(payload + 5);
                if (n == expected) {
                    print_rx(payload, src, len);
                    expected++;
                }
                fmt(msg, "PONG", n);
                send(src, msg);
            } else if (starts(payload, "BYE")) {
                print_rx(payload, src, len);
                uart_puts("netdemo: done\n");
                return 0;
            }
        }
        if (mtime() >= give_up) {
            uart_puts("netdemo: nobody called\n");
            return 2;
        }
        __asm__ volatile("wfi");
        ack_irq();
    }
}

static void flood(void)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uart_puts("netdemo: flooding\n");
    for (;;) {
        uint8_t src[6];
        char payload[8];
        uint32_t len;
        while (receive(payload, sizeof payload, src, &len)) {}
        send(bcast, "FLOOD");
    }
}

/* Script mode: entries of (op, address, value) at 0x80080000, op 0 ends.
 * op 1: 32-bit write; op 2: 32-bit read, printed; op 3: 8-bit read, printed. */
static int script(void)
{
    volatile uint32_t *s = (volatile uint32_t *)0x80080000u;
    uart_puts("netdemo: script\n");
    for (;; s += 3) {
        uint32_t op = s[0], a = s[1], v = s[2];
        if (op == 0) break;
        if (op == 1) {
            MMIO32(a) = v;
        } else {
            uint32_t r = op == 2 ? MMIO32(a) : MMIO8(a);
            uart_puts("r ");
            print_hex(a);
            uart_puts(" = ");
            print_hex(r);
            uart_puts("\n");
        }
    }
    uart_puts("netdemo: script done\n");
    return 0;
}

int main(void)
{
    /* Script mode needs no driver: the script is the driver. */
    if (R(0x000) == 0x74726976 && R(0x004) == 2 && R(0x008) == 1 && MMIO8(VNET + 0x104) == 2)
        return script();
    if (init_card())
        return 1;
    if (mac[4] == 1)
        flood();
    return ping_pong(mac[5] == 1, mac[3] ? mac[3] : 5);
}
