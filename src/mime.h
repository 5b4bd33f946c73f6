/* mime.h — placeholder, written by its owner. */
#ifndef POSTIE_MIME_H
#define POSTIE_MIME_H
#endif
