/* reencode.h — placeholder, written by its owner. */
#ifndef POSTIE_REENCODE_H
#define POSTIE_REENCODE_H
#endif
