/* dns.h — placeholder for the MX issue. */
#ifndef POSTIE_DNS_H
#define POSTIE_DNS_H
#endif
