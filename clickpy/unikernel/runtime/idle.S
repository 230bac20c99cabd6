/* Halting when there is nothing to do: a polling guest otherwise keeps a
   host core busy with no traffic at all.

   hlt is a ring-0 instruction and the data path runs in ring 3, so the main
   loop asks for a halt with `int $0x81` (a trap gate open to ring 3, like a
   system call).  The handler arms the local APIC timer one-shot for
   idle_ticks nanoseconds (KVM's and QEMU's APIC timers count at 1 GHz with
   divide 1), halts with interrupts on, and returns to the loop when the
   timer fires.  No device interrupt wakes it: packets that come in while
   the guest sleeps wait in the virtio ring, for idle_ticks at most.

   Only under TCG: under this machine's KVM (PVM) the guest dies at ltr in
   its emulated ring 0, so boot.S does not call idle_setup there and the
   guest polls (one busy host core per image).

   idle_setup (ring 0, from boot.S) builds what that needs: a TSS whose
   RSP0 is the ring-0 stack, an IDT with the trap, the timer and the
   spurious vector, and the local APIC enabled with LINT0/LINT1 masked (so
   the PIC, which nobody programmed, delivers nothing). */
#define LAPIC 0xFEE00000
#define IDLE_VECTOR 0x81
#define TIMER_VECTOR 0x20
#define SPURIOUS_VECTOR 0xFF

        .macro gate vec, handler, dpl
        movq $\handler, %rax
        movw %ax, idt + \vec * 16
        movw $0x08, idt + \vec * 16 + 2
        movw $(0x8E00 | (\dpl << 13)), idt + \vec * 16 + 4   /* present 64-bit interrupt gate */
        shrq $16, %rax
        movw %ax, idt + \vec * 16 + 6
        .endm

        .section .text
        .code64
        .globl idle_setup
idle_setup:
        movq $tss, %rax                    /* the TSS descriptor's base */
        movw %ax, gdt_tss + 2
        shrq $16, %rax
        movb %al, gdt_tss + 4
        movb %ah, gdt_tss + 7
        movq $idle_stack_top, tss + 4      /* RSP0: the stack traps from ring 3 run on */
        movw $0x28, %ax
        ltr %ax
        gate IDLE_VECTOR, idle_trap, 3
        gate TIMER_VECTOR, timer_irq, 0
        gate SPURIOUS_VECTOR, spurious_irq, 0
        lidt idt_ptr
        movl $LAPIC, %edx                  /* (above 2 GiB: no absolute operand) */
        movl $(0x100 | SPURIOUS_VECTOR), 0xF0(%rdx)     /* APIC software-enabled */
        movl $0x10000, 0x350(%rdx)         /* LINT0 masked */
        movl $0x10000, 0x360(%rdx)         /* LINT1 masked */
        movl $0xB, 0x3E0(%rdx)             /* timer divide by 1 */
        movl $TIMER_VECTOR, 0x320(%rdx)    /* timer: one-shot, this vector */
        movq $1, idle_ready
        ret

idle_trap:
        pushq %rax
        pushq %rdx
        movl $LAPIC, %edx
        movl idle_ticks, %eax
        movl %eax, 0x380(%rdx)             /* arm the one-shot timer */
        sti                                /* (hlt in sti's shadow: no lost wake-up) */
        hlt
        cli
        popq %rdx
        popq %rax
        iretq

timer_irq:
        pushq %rdx
        movl $LAPIC, %edx
        movl $0, 0xB0(%rdx)                /* EOI */
        popq %rdx
        iretq

spurious_irq:
        iretq

        .section .data
        .align 8
        .globl gdt, gdt_ptr
gdt:    .quad 0
        .quad 0x00AF9A000000FFFF      /* 0x08: kernel code 64 */
        .quad 0x00CF92000000FFFF      /* 0x10: kernel data */
        .quad 0x00CFF2000000FFFF      /* 0x18: user data, DPL 3 */
        .quad 0x00AFFA000000FFFF      /* 0x20: user code 64, DPL 3 */
gdt_tss:                              /* 0x28: the TSS, base filled in by idle_setup */
        .word 103, 0
        .byte 0, 0x89, 0, 0
        .long 0, 0
gdt_end:
gdt_ptr:
        .word gdt_end - gdt - 1
        .long gdt
        .align 8
idt_ptr:
        .word 256 * 16 - 1
        .quad idt
        .globl idle_ready
idle_ready:
        .quad 0                       /* 1 once idle_setup ran: `int $0x81` may be used */
        .globl idle_ticks
idle_ticks:
        .long 200000                  /* ns asleep per halt; main.c may change it */

        .section .bss
        .align 4096
idt:    .skip 256 * 16
        .align 16
tss:    .skip 104
        .align 16
        .skip 4096
idle_stack_top:
