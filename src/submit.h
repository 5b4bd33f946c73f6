/* submit.h — placeholder: the sendmail-mode flow moves here from delivery.c. */
#ifndef POSTIE_SUBMIT_H
#define POSTIE_SUBMIT_H
#endif
