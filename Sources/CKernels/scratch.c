/* The calling thread's scratch buffers for the kernels (ck_scratch), kept from call to call, each
 * with 64 bytes to spare past what was asked for, as vector loads may read past a row's end. */
#include <pthread.h>
#include <sys/mman.h>
#include "kernels.h"

typedef struct {
    void *pages;
    size_t bytes;
} scratch_buffer;

static _Thread_local scratch_buffer buffers[CK_SCRATCH_SLOTS];
static pthread_key_t release_key;
static pthread_once_t release_once = PTHREAD_ONCE_INIT;

/* At a thread's end: unmaps the buffers it had (`thread_buffers`, its array). */
static void release(void *thread_buffers) {
    scratch_buffer *b = thread_buffers;
    for (int slot = 0; slot < CK_SCRATCH_SLOTS; slot++)
        if (b[slot].pages) munmap(b[slot].pages, b[slot].bytes);
}

static void make_release_key(void) { pthread_key_create(&release_key, release); }

void *ck_scratch(ck_scratch_slot slot, size_t bytes) {
    scratch_buffer *b = &buffers[slot];
    if (b->pages && b->bytes >= bytes) return b->pages;
    pthread_once(&release_once, make_release_key);
    pthread_setspecific(release_key, buffers);
    if (b->pages) munmap(b->pages, b->bytes);
    size_t page = 4096, size = (bytes + 64 + page - 1) / page * page;
    void *pages = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    b->pages = pages == MAP_FAILED ? NULL : pages;
    b->bytes = b->pages ? size : 0;
    return b->pages;
}
