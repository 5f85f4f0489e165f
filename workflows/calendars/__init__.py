"""Time as the centre keeps it: business calendars (opening hours, holidays, open time between
two instants), who is on shift for round-robin assignment, the callback time promised to a
person, and the SLA policies of the rules files read into what `ccc.sla` asks for."""
