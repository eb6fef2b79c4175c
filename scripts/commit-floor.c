// What a message costs at 1,000 a second when it must be stored before it is acknowledged, with nothing of the bot
// in the way: the floor under `hindsight-slack-bench`'s "bot CPU … at 1000 events/s offered" on this machine.
//
// A sender process writes one 600-byte message every millisecond over loopback TCP (TCP_NODELAY) for SECONDS; the
// receiving process waits in poll(), reads, and writes a 60-byte acknowledgement for each message, in one of these
// ways, and prints its own CPU (user and system time, getrusage) per message:
//   ack         acknowledge at once on the thread that read it; nothing is stored
//   handoff     hand the message to a second thread (eventfd) and acknowledge when it hands it back: one hop there
//               and one back, as a reader and a separate storing thread do; nothing is stored
//   commit      one SQLite transaction (WAL, synchronous=NORMAL, BEGIN IMMEDIATE, one INSERT into a table with a
//               unique index, COMMIT) per message on the reading thread, then the acknowledgement
//   commit-pair the same, but two messages per transaction (the first waits up to a millisecond for the second)
//   handoff-commit  the transaction on the second thread: the hop and the commit
//   burst       at saturation instead: the sender writes 25 messages at a time as fast as the receiver takes them
//               (20,000 × SECONDS in all), and the receiver stores what each read brings in one transaction and
//               acknowledges it in one write: the floor under "bot CPU … events per CPU-second" of the throughput run
//
// Build and run: scripts/commit-floor.sh (or: cc -O2 -o /tmp/commit-floor scripts/commit-floor.c -lsqlite3 -lpthread
// && /tmp/commit-floor commit 5).
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum mode { ACK, HANDOFF, COMMIT, COMMIT_PAIR, HANDOFF_COMMIT, BURST };
static const char *names[] = {"ack", "handoff", "commit", "commit-pair", "handoff-commit", "burst"};

enum { MESSAGE = 600 };
static const char ack[] = "{\"envelope_id\":\"00000000-0000-0000-0000-000000000000\"}xxxxx";  // 60 bytes
static char message[MESSAGE];
static sqlite3 *db;
static sqlite3_stmt *insert;
static int to_worker, to_reader;
static int stored;
static char database[64];  // the file, removed at the end

static void check(int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void store(int count) {
    check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), "begin");
    for (int i = 0; i < count; i++) {
        sqlite3_bind_int(insert, 1, stored++);
        sqlite3_bind_text(insert, 2, message, 500, SQLITE_STATIC);
        check(sqlite3_step(insert), "insert");
        sqlite3_reset(insert);
    }
    check(sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
}

static void send_all(int fd, const void *bytes, size_t count) {
    while (count > 0) {
        ssize_t sent = write(fd, bytes, count);
        if (sent <= 0) exit(1);
        bytes = (const char *)bytes + sent;
        count -= (size_t)sent;
    }
}

static void *worker(void *arg) {
    enum mode mode = *(enum mode *)arg;
    uint64_t n;
    while (read(to_worker, &n, 8) == 8) {
        if (mode == HANDOFF_COMMIT) store((int)n);
        write(to_reader, &n, 8);
    }
    return 0;
}

static void sender(struct sockaddr_in address, int seconds, int burst) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (connect(s, (void *)&address, sizeof address) != 0) _exit(1);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char drain[65536];
    if (burst) {
        static char batch[25 * MESSAGE];
        for (int i = 0; i < 25; i++) memcpy(batch + i * MESSAGE, message, MESSAGE);
        for (int i = 0; i < seconds * 20000 / 25; i++) {
            send_all(s, batch, sizeof batch);
            while (recv(s, drain, sizeof drain, MSG_DONTWAIT) > 0) {}
        }
        shutdown(s, SHUT_WR);
        while (read(s, drain, sizeof drain) > 0) {}
        _exit(0);
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int i = 0; i < seconds * 1000; i++) {
        next.tv_nsec += 1000000;
        if (next.tv_nsec >= 1000000000) next.tv_nsec -= 1000000000, next.tv_sec++;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, 0);
        send_all(s, message, MESSAGE);
        while (recv(s, drain, sizeof drain, MSG_DONTWAIT) > 0) {}
    }
    shutdown(s, SHUT_WR);
    while (read(s, drain, sizeof drain) > 0) {}
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ack|handoff|commit|commit-pair|handoff-commit|burst SECONDS\n", argv[0]);
        return 2;
    }
    enum mode mode = ACK;
    while (mode <= BURST && strcmp(argv[1], names[mode]) != 0) mode++;
    int seconds = atoi(argv[2]);
    if (mode > BURST || seconds <= 0) return 2;
    memset(message, 'x', sizeof message);

    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    bind(listener, (void *)&address, sizeof address);
    listen(listener, 1);
    getsockname(listener, (void *)&address, &length);
    pid_t child = fork();
    if (child == 0) sender(address, seconds, mode == BURST);
    int c = accept(listener, 0, 0);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    if (mode >= COMMIT) {
        char path[] = "/tmp/commit-floor-XXXXXX";
        close(mkstemp(path));
        unlink(path);
        if (sqlite3_open(path, &db) != SQLITE_OK) return 1;
        check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                               "CREATE TABLE event(id INTEGER PRIMARY KEY, message INTEGER, body TEXT);"
                               "CREATE UNIQUE INDEX event_message ON event(message);", 0, 0, 0), "schema");
        check(sqlite3_prepare_v2(db, "INSERT INTO event(message, body) VALUES (?, ?)", -1, &insert, 0), "prepare");
        strcpy(database, path);
    }
    int threaded = mode == HANDOFF || mode == HANDOFF_COMMIT;
    pthread_t thread;
    if (threaded) {
        to_worker = eventfd(0, 0);
        to_reader = eventfd(0, EFD_NONBLOCK);
        pthread_create(&thread, 0, worker, &mode);
    }

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    char buffer[65536];
    long pending = 0;
    int waiting = 0;
    struct pollfd fds[2] = {{c, POLLIN, 0}, {to_reader, POLLIN, 0}};
    for (;;) {
        poll(fds, threaded ? 2 : 1, -1);
        if (fds[0].revents) {
            ssize_t got = read(c, buffer, sizeof buffer);
            if (got <= 0) break;
            pending += got;
            if (mode == BURST) {
                static char acks[(sizeof buffer / MESSAGE + 1) * 60];
                int whole = (int)(pending / MESSAGE);
                pending -= (long)whole * MESSAGE;
                if (whole > 0) {
                    store(whole);
                    for (int i = 0; i < whole; i++) memcpy(acks + i * 60, ack, 60);
                    send_all(c, acks, (size_t)whole * 60);
                }
                continue;
            }
            for (; pending >= MESSAGE; pending -= MESSAGE) {
                uint64_t n = 1;
                switch (mode) {
                case ACK: send_all(c, ack, 60); break;
                case COMMIT: store(1), send_all(c, ack, 60); break;
                case COMMIT_PAIR:
                    if (++waiting == 2) store(2), send_all(c, ack, 60), send_all(c, ack, 60), waiting = 0;
                    break;
                default: write(to_worker, &n, 8); break;
                }
            }
        }
        if (threaded && fds[1].revents) {
            uint64_t n;
            if (read(to_reader, &n, 8) == 8)
                for (uint64_t i = 0; i < n; i++) send_all(c, ack, 60);
        }
    }
    getrusage(RUSAGE_SELF, &after);
    double user = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) * 1e6 + (after.ru_utime.tv_usec - before.ru_utime.tv_usec);
    double system = (after.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1e6 + (after.ru_stime.tv_usec - before.ru_stime.tv_usec);
    double messages = mode == BURST ? seconds * 20000.0 : seconds * 1000.0;
    // User and system time together: this kernel charges each tick wholly to one or the other, so the split of a
    // few seconds means little.
    printf("%-15s %6.1f µs of CPU per message %s (%.0f messages)\n", names[mode], (user + system) / messages,
           mode == BURST ? "at saturation" : "at 1,000/s", messages);
    close(c);
    waitpid(child, 0, 0);
    if (db) {
        sqlite3_finalize(insert);
        sqlite3_close(db);
        char side[80];
        unlink(database);
        snprintf(side, sizeof side, "%s-wal", database), unlink(side);
        snprintf(side, sizeof side, "%s-shm", database), unlink(side);
    }
    return 0;
}
