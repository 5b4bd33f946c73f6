/* queue.h — placeholder, written by its owner. */
#ifndef POSTIE_QUEUE_H
#define POSTIE_QUEUE_H
#endif
